import { parseServerArgs } from '@cinder/server';
import pg from 'pg';
import {
  type ChildServer,
  deployFile,
  type Nginx,
  readEnvFile,
  spawnServer,
  startGuideNginx,
  type TempDir,
  type TestServer,
  tempDir,
  testServer,
} from '../../../test/kit/index.ts';
import { dropSchema, TEST_DATABASE_URL, TEST_REDIS_URL, uniquePrefix, uniqueSchema } from './services.ts';

/**
 * The guide's environment file of a cluster node (`docs/deploy/cinder-node.env`) with what a test
 * must set differently: loopback, a free port, the test database and Redis, and a schema and
 * prefix of its own. Everything else (`CINDER_TRUST_PROXY` above all) is the guide's.
 */
export function guideNodeEnv(overrides: Readonly<Record<string, string>>): Record<string, string> {
  return { ...readEnvFile(deployFile('cinder-node.env')), ...overrides };
}

/** The database URL of a node that shows up in `pg_stat_activity` as `applicationName`. */
export function databaseUrlNamed(applicationName: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('application_name', applicationName);
  return url.href;
}

/** How many PostgreSQL connections `applicationName` holds now. */
export async function connectionsOf(applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * One server node configured from its environment, as systemd starts it from the guide's
 * `EnvironmentFile`: in this process (`testServer`), or as a child process of the real entry point
 * when it must die by a signal. It restarts on the port it first got, so nginx's upstream line
 * stays right, as it does for an operator's node.
 */
export class GuideNode implements AsyncDisposable {
  readonly #env: Record<string, string>;
  readonly #spawned: boolean;
  readonly #dataDir: TempDir;
  #inProcess: TestServer | null = null;
  #child: ChildServer | null = null;
  port = 0;

  constructor(
    env: Record<string, string>,
    options: {
      /** A child process (stopped by a signal) rather than a server in this process. */ spawned: boolean;
    },
  ) {
    this.#env = env;
    this.#spawned = options.spawned;
    // PostgreSQL holds the data; the directory only has to exist and be the test's.
    this.#dataDir = tempDir('cinder-node-');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#inProcess !== null || this.#child !== null;
  }

  /** Start (again, on the same port) and resolve once it listens. */
  async start(): Promise<void> {
    const env = {
      ...this.#env,
      CINDER_HOST: '127.0.0.1',
      CINDER_PORT: String(this.port),
      CINDER_DATA_DIR: this.#dataDir.path,
    };
    if (this.#spawned) {
      // `info`: spawnServer waits for the `listening` line.
      this.#child = await spawnServer([], { ...env, CINDER_LOG_LEVEL: 'info' });
      this.port = this.#child.port;
    } else {
      const options = parseServerArgs([], { ...env, CINDER_LOG_LEVEL: 'silent' });
      this.#inProcess = await testServer(options);
      this.port = this.#inProcess.port;
    }
  }

  /**
   * Stop: `SIGTERM` is the graceful stop of a rolling upgrade (sockets close with 1001);
   * `SIGKILL` a crash, for a spawned node only.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.#inProcess) {
      if (signal === 'SIGKILL') throw new Error('an in-process node cannot be killed; spawn it');
      await this.#inProcess.close();
      this.#inProcess = null;
    }
    if (this.#child) {
      const child = this.#child;
      this.#child = null;
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill(signal);
      await child.exited;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop(this.#spawned ? 'SIGKILL' : 'SIGTERM');
    this.#dataDir.remove();
  }
}

/** A cluster of the guide: two nodes on one schema and Redis prefix, behind the guide's nginx. */
export interface GuideCluster extends AsyncDisposable {
  /** nginx's public URL (HTTPS): where clients connect. */
  readonly url: string;
  readonly nginx: Nginx;
  readonly nodes: GuideNode[];
  readonly schema: string;
  readonly prefix: string;
  /** `application_name` of node i in `pg_stat_activity`. */
  applicationName(i: number): string;
}

/** Options of {@link guideCluster}. */
export interface GuideClusterOptions {
  /** Which nodes run as child processes, so they can be killed. @default none */
  spawned?: (i: number) => boolean;
  /** Environment of every node beyond the guide's file. */
  env?: Record<string, string>;
  /** Environment of node i beyond that. */
  nodeEnv?: (i: number) => Record<string, string>;
  /** A schema of the caller's (dropped by the caller); a fresh one, dropped at the end, by default. */
  schema?: string;
  /** A Redis prefix of the caller's. @default a fresh one */
  prefix?: string;
}

/**
 * Start a cluster the way the deployment guide does: each node from `cinder-node.env` with the
 * test's database, Redis, schema and prefix (and `application_name` per node, as the guide
 * suggests), then nginx with the guide's `nginx.conf` in front of them. `await using` stops nginx
 * and the nodes and drops the schema.
 */
export async function guideCluster(options: GuideClusterOptions = {}): Promise<GuideCluster> {
  const schema = options.schema ?? uniqueSchema('cinder_deploy');
  const prefix = options.prefix ?? uniquePrefix();
  const applicationName = (i: number) => `${schema}_node_${i + 1}`;
  // Two: the guide's nginx.conf has two upstream lines.
  const nodes = Array.from(
    { length: 2 },
    (_, i) =>
      new GuideNode(
        guideNodeEnv({
          CINDER_DATABASE_URL: databaseUrlNamed(applicationName(i)),
          CINDER_DATABASE_SCHEMA: schema,
          CINDER_REDIS_URL: TEST_REDIS_URL,
          CINDER_REDIS_PREFIX: prefix,
          ...options.env,
          ...options.nodeEnv?.(i),
        }),
        { spawned: options.spawned?.(i) ?? false },
      ),
  );
  let nginx: Nginx | null = null;
  const close = async () => {
    await nginx?.close();
    await Promise.allSettled(nodes.map((node) => node[Symbol.asyncDispose]()));
    if (options.schema === undefined) await dropSchema(schema);
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
    nginx = await startGuideNginx(nodes);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: nginx.url,
    nginx,
    nodes,
    schema,
    prefix,
    applicationName,
    [Symbol.asyncDispose]: close,
  };
}
