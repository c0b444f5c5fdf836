import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded mode on port 8080 with ./.twin-data', () => {
    const c = loadConfig({}, '/srv/park');
    expect(c.port).toBe(8080);
    expect(c.db).toEqual({ backend: 'pglite', dataDir: '/srv/park/.twin-data' });
    expect(c.mqttUrl).toBeUndefined();
    expect(c.simulator).toBe(true);
  });

  it('switches to PostgreSQL with DATABASE_URL and turns the simulator off by default', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/twin', MQTT_URL: 'mqtt://broker:1883' });
    expect(c.db).toEqual({ backend: 'postgres', url: 'postgres://u@db:5432/twin' });
    expect(c.mqttUrl).toBe('mqtt://broker:1883');
    expect(c.simulator).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '  ', DATABASE_URL: '' }).port).toBe(8080);
  });

  it('names every bad variable in one error and hides URLs that may hold passwords', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://root:secret@x/db', TWIN_SIMULATOR: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toMatch(/PORT="eighty": expected a port number/);
    expect(msg).toMatch(/DATABASE_URL=\(hidden\): expected a URL starting with postgres:\/\//);
    expect(msg).toMatch(/TWIN_SIMULATOR="maybe"/);
    expect(msg).not.toContain('secret');
  });

  it('rejects out-of-range ports', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000": ports are 0-65535/);
  });
});
