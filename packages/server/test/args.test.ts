import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runServerProcess, tempDir } from '../../../test/kit/index.ts';
import { resolveConfig } from '../src/config.ts';
import { parseDuration, parseServerArgs, SERVER_FLAGS, SERVER_USAGE, startServer } from '../src/index.ts';

describe('parseServerArgs', () => {
  it('reads flags and environment, flags winning', () => {
    expect(
      parseServerArgs(
        [
          '--port',
          '9000',
          '--max-ttl',
          '1h',
          '--tombstone-retention=2d',
          '--max-frame-bytes',
          '128k',
          '--log-level',
          'debug',
        ],
        { CINDER_PORT: '7000', CINDER_HOST: '0.0.0.0', CINDER_DATA_DIR: '/tmp/somewhere' },
      ),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/somewhere',
      maxTtlSeconds: 3600,
      tombstoneRetentionSeconds: 172_800,
      maxFrameBytes: 131_072,
      logLevel: 'debug',
    });
    expect(parseServerArgs([], { CINDER_PORT: '7000', CINDER_MAX_TTL: '10s' })).toEqual({
      port: 7000,
      maxTtlSeconds: 10,
    });
    expect(parseServerArgs([], {})).toEqual({});
  });

  it('rejects unknown flags and bad values with clear messages', () => {
    expect(() => parseServerArgs(['--nope'], {})).toThrow(/nope/);
    expect(() => parseServerArgs(['--port', 'eighty'], {})).toThrow(/port/i);
    expect(() => parseServerArgs(['--max-ttl', '3 weeks'], {})).toThrow(/duration/i);
    expect(() => parseServerArgs(['--log-level', 'loud'], {})).toThrow(/log level/i);
  });

  it('reads --bus, implies it from the URLs, and refuses a bus without its URL', () => {
    expect(parseServerArgs(['--bus', 'postgres'], {})).toEqual({ bus: 'postgres' });
    expect(parseServerArgs([], { CINDER_BUS: 'memory' })).toEqual({ bus: 'memory' });
    expect(() => parseServerArgs(['--bus', 'nats'], {})).toThrow(
      /Not a bus: "nats" \(use memory, redis or postgres\)/,
    );
    const db = 'postgres://127.0.0.1/x';
    const redis = 'redis://127.0.0.1:6379';
    expect(resolveConfig({}).bus).toBe('memory');
    expect(resolveConfig({ databaseUrl: db }).bus).toBe('postgres');
    expect(resolveConfig({ databaseUrl: db, redisUrl: redis }).bus).toBe('redis');
    expect(resolveConfig({ redisUrl: redis }).bus).toBe('redis');
    expect(resolveConfig({ databaseUrl: db, redisUrl: redis, bus: 'postgres' }).bus).toBe('postgres');
    expect(resolveConfig({ databaseUrl: db, bus: 'memory' }).bus).toBe('memory');
    expect(() => resolveConfig({ databaseUrl: db, bus: 'redis' })).toThrow('--bus redis needs --redis-url');
    expect(() => resolveConfig({ redisUrl: redis, bus: 'postgres' })).toThrow(
      '--bus postgres needs --database-url',
    );
  });

  it('exits 1 naming the missing URL when --bus postgres has no database', async () => {
    const dir = tempDir();
    const run = await runServerProcess(['--data-dir', dir.path, '--bus', 'postgres']);
    dir.remove();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--bus postgres needs --database-url/);
  });

  it('parses durations', () => {
    expect(parseDuration('30')).toBe(30);
    expect(parseDuration('10s')).toBe(10);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('30d')).toBe(2_592_000);
    expect(() => parseDuration('-1')).toThrow();
  });

  it('fails clearly, without echoing passwords, when PostgreSQL or Redis cannot be reached', async () => {
    await expect(
      startServer({ databaseUrl: 'postgres://cinder:s3cret@127.0.0.1:1/cinder', logLevel: 'silent' }),
    ).rejects.toThrow(/^Cannot open PostgreSQL at 127\.0\.0\.1:1\/cinder: .*ECONNREFUSED/);
    const run = await runServerProcess(['--database-url', 'postgres://cinder:s3cret@127.0.0.1:1/cinder']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Cannot open PostgreSQL at 127\.0\.0\.1:1\/cinder/);
    // Redis is connected after the storage opens: SQLite, in a temp dir.
    const dir = tempDir();
    const env = await runServerProcess(['--data-dir', dir.path], {
      CINDER_REDIS_URL: 'redis://:s3cret@127.0.0.1:1',
    });
    dir.remove();
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/Cannot connect to Redis at 127\.0\.0\.1:1: ECONNREFUSED/);
    expect(run.stderr + run.stdout + env.stderr + env.stdout).not.toContain('s3cret');
  });

  it('read durations with the one parser the CLI uses too', () => {
    for (const ok of ['90', '10s', '1h30m', '1.5h', ' 2W ', '1d2h3m4s']) {
      const seconds = parseDuration(ok);
      expect(parseServerArgs(['--max-ttl', ok], {})).toEqual({ maxTtlSeconds: seconds });
    }
    expect(parseServerArgs(['--max-ttl', '1h30m'], {})).toEqual({ maxTtlSeconds: 5400 });
    for (const bad of ['10 s', '1h 30m', '', '1.5s', '-5s', '1e3', '10x']) {
      expect(() => parseDuration(bad)).toThrow(/duration/i);
      expect(() => parseServerArgs([`--max-ttl=${bad}`], {})).toThrow(/duration/i);
    }
  });
});

describe('the flag table', () => {
  it('is what --help and the README configuration table show, flag by flag', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of readme.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      const flag = /^`--([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
      if (flag)
        rows.set(
          flag,
          cells.slice(2, 4).map((cell) => cell.replaceAll('`', '')),
        );
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(SERVER_FLAGS).sort());
    for (const [name, flag] of Object.entries(SERVER_FLAGS)) {
      expect(rows.get(name), name).toEqual([flag.env, flag.default]);
      expect(SERVER_USAGE).toContain(`--${name} ${flag.arg}`);
    }
  });
});
