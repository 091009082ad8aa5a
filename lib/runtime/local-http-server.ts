/**
 * The one way the local servers (the consent API adapter, the local stack's endpoint) listen:
 * on `host:port` (a free port when 0), with their URL known before anything answers, so a handler
 * can sign links with its own URL. Requests that arrive before `serve` is called wait for it.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Raised by {@link listenEarly} when another program already listens on the port asked for. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    options?: ErrorOptions,
  ) {
    super(`port ${port} on ${host} is already in use`, options);
    this.name = 'PortInUseError';
  }
}

/** A listening local server. */
export interface LocalHttpServer {
  /** `http://host:port` */
  readonly url: string;
  /** Starts answering with `listener`, including the requests that waited for it. */
  serve(listener: RequestListener): void;
  close(): Promise<void>;
}

/**
 * Listens on `options.host` (default 127.0.0.1) and `options.port` (default 0: a free one).
 *
 * @throws PortInUseError when the port is taken.
 */
export async function listenEarly(options: { readonly port?: number; readonly host?: string } = {}): Promise<LocalHttpServer> {
  let target: RequestListener | undefined;
  const waiting: Array<() => void> = [];
  const server = createServer((req, res) => {
    if (target) {
      target(req, res);
      return;
    }
    waiting.push(() => target?.(req, res));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port ?? 0, host, { cause: error }) : error);
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    serve: (listener) => {
      target = listener;
      for (const replay of waiting.splice(0)) replay();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
