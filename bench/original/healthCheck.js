// healthCheck.js: the guide's "Express Health Check Endpoint", verbatim.
const express = require('express');
const circuitBreakerFactory = require('./circuitBreakerFactory');

const router = express.Router();

/**
 * Basic health check endpoint
 * GET /health
 */
router.get('/health', (req, res) => {
  const states = circuitBreakerFactory.getStates();

  // Check if any critical circuits are open
  const criticalCircuits = ['hubspot-circuit', 'explorium-circuit'];
  const hasCriticalFailure = criticalCircuits.some(name =>
    states[name]?.state === 'OPEN'
  );

  const status = hasCriticalFailure ? 'degraded' : 'healthy';
  const statusCode = hasCriticalFailure ? 503 : 200;

  res.status(statusCode).json({
    status,
    timestamp: new Date().toISOString(),
    uptime: process.uptime(),
    circuits: states
  });
});

/**
 * Detailed health check with circuit statistics
 * GET /health/detailed
 */
router.get('/health/detailed', (req, res) => {
  const breakers = circuitBreakerFactory.getAll();

  const circuitDetails = breakers.map(breaker => {
    const stats = breaker.stats;

    return {
      name: breaker.name,
      state: breaker.opened ? 'OPEN' : (breaker.halfOpen ? 'HALF_OPEN' : 'CLOSED'),
      enabled: breaker.enabled,
      stats: {
        fires: stats.fires,
        successes: stats.successes,
        failures: stats.failures,
        timeouts: stats.timeouts,
        rejects: stats.rejects,
        fallbacks: stats.fallbacks,
        semaphoreRejections: stats.semaphoreRejections,
        cacheHits: stats.cacheHits || 0,
        cacheMisses: stats.cacheMisses || 0
      },
      metrics: {
        errorRate: stats.fires > 0
          ? ((stats.failures + stats.timeouts) / stats.fires * 100).toFixed(2) + '%'
          : '0%',
        successRate: stats.fires > 0
          ? (stats.successes / stats.fires * 100).toFixed(2) + '%'
          : '0%',
        cacheHitRate: (stats.cacheHits + stats.cacheMisses) > 0
          ? (stats.cacheHits / (stats.cacheHits + stats.cacheMisses) * 100).toFixed(2) + '%'
          : 'N/A'
      },
      latency: {
        mean: stats.latencyMean?.toFixed(2) + 'ms' || 'N/A',
        percentiles: breaker.options.rollingPercentilesEnabled ? {
          p50: breaker.stats.percentiles?.['0.5']?.toFixed(2) + 'ms' || 'N/A',
          p95: breaker.stats.percentiles?.['0.95']?.toFixed(2) + 'ms' || 'N/A',
          p99: breaker.stats.percentiles?.['0.99']?.toFixed(2) + 'ms' || 'N/A'
        } : null
      }
    };
  });

  // Overall system health
  const totalFires = circuitDetails.reduce((sum, c) => sum + c.stats.fires, 0);
  const totalFailures = circuitDetails.reduce((sum, c) => sum + c.stats.failures + c.stats.timeouts, 0);
  const overallErrorRate = totalFires > 0 ? (totalFailures / totalFires * 100).toFixed(2) : 0;

  const anyCircuitOpen = circuitDetails.some(c => c.state === 'OPEN');
  const status = anyCircuitOpen ? 'degraded' : 'healthy';

  res.status(anyCircuitOpen ? 503 : 200).json({
    status,
    timestamp: new Date().toISOString(),
    uptime: process.uptime(),
    overall: {
      totalRequests: totalFires,
      totalFailures,
      errorRate: overallErrorRate + '%'
    },
    circuits: circuitDetails
  });
});

/**
 * Readiness probe (for Kubernetes)
 * GET /health/ready
 */
router.get('/health/ready', (req, res) => {
  const states = circuitBreakerFactory.getStates();

  // Service is ready if no circuits are in OPEN state
  const allCircuitsClosed = Object.values(states).every(
    circuit => circuit.state !== 'OPEN'
  );

  if (allCircuitsClosed) {
    res.status(200).json({ ready: true });
  } else {
    res.status(503).json({
      ready: false,
      reason: 'One or more circuit breakers are open'
    });
  }
});

/**
 * Liveness probe (for Kubernetes)
 * GET /health/live
 */
router.get('/health/live', (req, res) => {
  // Service is alive if process is running
  res.status(200).json({
    alive: true,
    uptime: process.uptime()
  });
});

/**
 * Reset circuit breaker (admin endpoint, should be protected)
 * POST /health/circuits/:name/reset
 */
router.post('/health/circuits/:name/reset', (req, res) => {
  const { name } = req.params;
  const breaker = circuitBreakerFactory.get(name);

  if (!breaker) {
    return res.status(404).json({ error: `Circuit breaker '${name}' not found` });
  }

  // Close the circuit manually
  if (breaker.opened) {
    breaker.close();
    res.json({
      message: `Circuit breaker '${name}' has been closed`,
      state: 'CLOSED'
    });
  } else {
    res.json({
      message: `Circuit breaker '${name}' was already closed`,
      state: breaker.halfOpen ? 'HALF_OPEN' : 'CLOSED'
    });
  }
});

module.exports = router;
