// circuitBreakerFactory.js: the guide's "Centralized Circuit Breaker Factory",
// as written there (section "Factory Pattern Implementation").
const CircuitBreaker = require('opossum');
const EventEmitter = require('events');

class CircuitBreakerFactory {
  constructor() {
    this.breakers = new Map();
    this.sharedBucketController = new EventEmitter();
    this.defaultOptions = this.getDefaultOptions();
  }

  getDefaultOptions() {
    return {
      timeout: 10000,
      errorThresholdPercentage: 50,
      resetTimeout: 30000,
      volumeThreshold: 5,
      rollingCountTimeout: 10000,
      rollingCountBuckets: 10,
      capacity: Number.MAX_SAFE_INTEGER,
      enabled: true,
      allowWarmUp: true,
      rollingPercentilesEnabled: true,
      enableSnapshots: true,
      rotateBucketController: this.sharedBucketController
    };
  }

  create(name, action, options = {}) {
    if (this.breakers.has(name)) {
      console.log(`Reusing existing circuit breaker: ${name}`);
      return this.breakers.get(name);
    }
    const breakerOptions = {
      ...this.defaultOptions,
      ...options,
      name
    };
    const breaker = new CircuitBreaker(action, breakerOptions);
    this.attachEventListeners(breaker, name);
    this.breakers.set(name, breaker);
    console.log(`Created new circuit breaker: ${name}`);
    return breaker;
  }

  createForService(service, action, customOptions = {}) {
    const serviceConfigs = {
      hubspot: {
        timeout: 10000,
        errorThresholdPercentage: 50,
        resetTimeout: 30000,
        volumeThreshold: 10,
        rollingCountTimeout: 20000,
        errorFilter: (err) => {
          const status = err.response?.status;
          return status === 429 || (status >= 400 && status < 500);
        }
      },
      lemlist: {
        timeout: 15000,
        errorThresholdPercentage: 60,
        resetTimeout: 45000,
        volumeThreshold: 5,
        rollingCountTimeout: 30000,
        errorFilter: (err) => {
          const status = err.response?.status;
          return status >= 400 && status < 500;
        }
      },
      explorium: {
        timeout: 30000,
        errorThresholdPercentage: 40,
        resetTimeout: 60000,
        volumeThreshold: 3,
        rollingCountTimeout: 60000,
        cache: true,
        cacheTTL: 3600000,
        errorFilter: (err) => {
          const status = err.response?.status;
          return status >= 400 && status < 500;
        }
      }
    };

    const serviceConfig = serviceConfigs[service.toLowerCase()];
    if (!serviceConfig) {
      throw new Error(`Unknown service: ${service}`);
    }
    const options = { ...serviceConfig, ...customOptions };
    return this.create(`${service}-circuit`, action, options);
  }

  attachEventListeners(breaker, name) {
    breaker.on('open', () => {
      console.error(`[${name}] Circuit OPENED - failing fast`);
    });
    breaker.on('halfOpen', () => {
      console.warn(`[${name}] Circuit HALF_OPEN - testing recovery`);
    });
    breaker.on('close', () => {
      console.info(`[${name}] Circuit CLOSED - normal operation resumed`);
    });
    breaker.on('success', (result, latency) => {
      console.debug(`[${name}] Success (${latency}ms)`);
    });
    breaker.on('failure', (error) => {
      console.warn(`[${name}] Failure: ${error.message}`);
    });
    breaker.on('timeout', () => {
      console.warn(`[${name}] Request timeout exceeded`);
    });
    breaker.on('reject', () => {
      console.warn(`[${name}] Request rejected (circuit open)`);
    });
    breaker.on('fallback', (result) => {
      console.info(`[${name}] Fallback executed`);
    });
    breaker.on('semaphoreLocked', () => {
      console.error(`[${name}] Semaphore locked - at capacity`);
    });
    breaker.on('healthCheckFailed', (error) => {
      console.error(`[${name}] Health check failed: ${error.message}`);
    });
  }

  getAll() {
    return Array.from(this.breakers.values());
  }

  get(name) {
    return this.breakers.get(name);
  }

  getStates() {
    const states = {};
    for (const [name, breaker] of this.breakers) {
      states[name] = {
        state: breaker.opened ? 'OPEN' : (breaker.halfOpen ? 'HALF_OPEN' : 'CLOSED'),
        stats: breaker.stats,
        enabled: breaker.enabled
      };
    }
    return states;
  }

  shutdown() {
    for (const breaker of this.breakers.values()) {
      breaker.shutdown();
    }
    this.breakers.clear();
  }
}

module.exports = new CircuitBreakerFactory();
