// routes.js: the API routes the guide's app.js mounts under /api
// (app.use('/api', require('./routes'))). The guide does not show this file;
// this is the one route the benchmark drives.
const express = require('express');
const hubspotClient = require('./hubspotClient');

const router = express.Router();

router.get('/contacts/:id', async (req, res) => {
  try {
    const contact = await hubspotClient.getContact(req.params.id);
    res.json(contact);
  } catch (err) {
    const status = err.response?.status;
    if (status === 404) {
      return res.status(404).json({ error: 'Contact not found' });
    }
    res.status(503).json({ error: 'HubSpot unavailable', message: err.message });
  }
});

module.exports = router;
