/**
 * The Redis behind `--queue URL`: the URL checked, the server pinged before anything else
 * (ioredis would otherwise retry forever and the command would hang without a word), and the
 * options BullMQ's own connections are made with.
 */
import { UsageError, UserError } from "@gan/core";
import { Redis, type RedisOptions } from "ioredis";

/** Every key gan writes starts with this: BullMQ's queues and the sweep definitions. */
export const KEY_PREFIX = "gan";
/** The one queue every sweep's runs go to, so that any worker takes any run. */
export const QUEUE_NAME = "runs";
/** How long the first contact may take before the URL is reported unreachable. */
export const CONNECT_TIMEOUT_MS = 3000;

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** `redis://[user:password@]host[:port][/db]` (rediss:// for TLS) as ioredis options. */
export function redisOptions(url: string, flag = "--queue"): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${flag} '${url}' is not a URL: give redis://HOST:PORT (e.g. redis://127.0.0.1:6379)`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new UsageError(`${flag} '${shownUrl(url)}': the URL must start with redis:// (or rediss:// for TLS)`);
  }
  if (!parsed.hostname) throw new UsageError(`${flag} '${shownUrl(url)}' names no host`);
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new UsageError(`${flag} '${shownUrl(url)}': the path must be a database number (redis://HOST:PORT/0)`);
  return {
    // URL keeps IPv6 hosts in brackets; sockets want them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== "" ? { db: Number(db) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * Connects and pings, or throws a UserError naming the URL within CONNECT_TIMEOUT_MS. The
 * client does not queue commands while offline and gives up a command after one retry, so
 * that nothing done with it can hang.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const options = redisOptions(url);
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // No reconnection during the first contact; afterwards a few quick tries, then give up.
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  let lastError: Error | undefined;
  // Without a listener ioredis prints every failed attempt on its own.
  client.on("error", (error: Error) => void (lastError = error));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), CONNECT_TIMEOUT_MS + 500).unref());
  try {
    await Promise.race([client.connect(), timeout]);
    await Promise.race([client.ping(), timeout]);
  } catch (error) {
    client.disconnect();
    throw new UserError(`cannot reach Redis at ${shownUrl(url)}: ${describeConnectionError(lastError ?? (error as Error))}`);
  }
  return client;
}

function describeConnectionError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") return "connection refused (is redis-server running there?)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "unknown host";
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(error.message)) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  if (/NOAUTH|WRONGPASS|invalid password/i.test(error.message)) return `authentication failed (${error.message})`;
  if (/Protocol error/i.test(error.message)) return "something other than Redis answers there";
  return code ? `${error.message} (${code})` : error.message;
}

/**
 * Options for BullMQ's long-lived connections: commands wait for a lost connection to come
 * back (a Redis restart must not fail a worker's runs), as BullMQ's workers require.
 */
export function bullConnection(url: string): RedisOptions {
  return { ...redisOptions(url), maxRetriesPerRequest: null };
}

export function sweepKey(id: string): string {
  return `${KEY_PREFIX}:sweeps:${id}`;
}
