// app.js: the guide's "Integration in Express App", with the port from PORT
// (default 3000, as in the guide).
const express = require('express');
const healthCheckRouter = require('./healthCheck');
const circuitBreakerFactory = require('./circuitBreakerFactory');

const app = express();

// Health check endpoints
app.use(healthCheckRouter);

// Your API routes
app.use('/api', require('./routes'));

// Graceful shutdown
process.on('SIGTERM', () => {
  console.log('SIGTERM received, shutting down gracefully');

  // Shutdown all circuit breakers
  circuitBreakerFactory.shutdown();

  server.close(() => {
    console.log('Server closed');
    process.exit(0);
  });
});

const port = Number(process.env.PORT || 3000);
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`Server started on port ${port}`);
});
