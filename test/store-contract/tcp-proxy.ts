import net from 'node:net';

/**
 * A fake network between the store and PostgreSQL, to stage outages without stopping the shared
 * server: `forward` passes bytes, `refuse` closes every connection (a stopped database),
 * `reset` answers every connection with a TCP RST, open ones included, so a query in flight reads
 * `ECONNRESET` (a database restart or a middlebox dropping state), `blackhole` accepts and stalls
 * everything (a partition: packets vanish, nothing errors).
 */
export type ProxyMode = 'forward' | 'refuse' | 'reset' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Changing mode cuts every open connection, as a restart or a partition would. */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'blackhole') {
      for (const socket of this.sockets) {
        socket.unpipe();
        socket.pause();
      }
    } else if (mode === 'reset') {
      this.resetAll();
    } else {
      this.destroyAll();
    }
  }

  /** Resets every open connection (mid-query for the busy ones) and keeps forwarding new ones. */
  resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.destroyAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const both = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', both);
    upstream.on('close', both);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
