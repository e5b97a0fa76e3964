import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A loopback TCP proxy in front of the database server, so a test can fail the link under a
 * running application: `cut` refuses and drops every connection; `blackhole` keeps them (and
 * accepts new ones) but forwards nothing, so what is sent waits in the buffers and arrives on
 * `restore`, as after a network partition; `latency` delays every chunk; `restore` forwards
 * normally again.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  blackhole(): void;
  latency(ms: number): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  let server: Server | undefined;
  let port = 0;
  let held = false;
  let delayMs = 0;

  const forward = (from: Socket, to: () => Socket | undefined) => {
    from.on('data', (chunk: Buffer) => {
      const send = () => {
        const target = to();
        if (target !== undefined && !target.destroyed) target.write(chunk);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  };

  const open = (link: Link) => {
    const upstream = connect(targetPort, targetHost);
    link.upstream = upstream;
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => link.client.destroy());
    forward(upstream, () => link.client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server !== undefined) {
        resolve(); // already up
        return;
      }
      server = createServer((client) => {
        const link: Link = { client, upstream: undefined };
        links.add(link);
        client.on('error', () => client.destroy());
        client.on('close', () => {
          links.delete(link);
          link.upstream?.destroy();
        });
        forward(client, () => link.upstream);
        if (held) client.pause();
        else open(link);
      });
      const current = server;
      current.once('error', reject);
      current.listen(port, '127.0.0.1', () => {
        const address = current.address();
        if (typeof address === 'object' && address !== null) port = address.port;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const link of links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      links.clear();
      const current = server;
      server = undefined;
      if (current === undefined) resolve();
      else current.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    blackhole: () => {
      held = true;
      for (const link of links) {
        link.client.pause();
        link.upstream?.pause();
      }
    },
    latency: (ms) => {
      delayMs = ms;
    },
    restore: async () => {
      held = false;
      delayMs = 0;
      await listen();
      for (const link of links) {
        if (link.upstream === undefined) open(link);
        link.client.resume();
        link.upstream?.resume();
      }
    },
    close: stop,
  };
}
