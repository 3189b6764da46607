// cache.js: an in-process stand-in for the guide's ioredis client, with the two
// calls the guide makes (get, setex) and the same async, string-valued shape.
// The benchmark has no Redis; the Go service runs with its in-process cache too,
// so neither side pays a network hop for the cache lookup.
class MemoryRedis {
  constructor() {
    this.entries = new Map();
  }

  async get(key) {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  async setex(key, seconds, value) {
    if (seconds <= 0) return 'OK'; // HUBSPOT_CACHE_TTL=0: every read is a miss
    this.entries.set(key, { value, expires: Date.now() + seconds * 1000 });
    return 'OK';
  }
}

module.exports = MemoryRedis;
