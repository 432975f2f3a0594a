import { connect, type Socket } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: no URL normalisation, no percent-encoding added. */
  target: string;
  headers?: [string, string][];
  body?: string | Buffer;
  /** Sends the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

const PIECE = 64 * 1024;

function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`incomplete answer: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  let body = raw.subarray(end + 4);
  if (headers.get('transfer-encoding') === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

/** Writes the body piece by piece and stops as soon as the server has answered (an early 413). */
async function writeBody(socket: Socket, body: Buffer, chunked: boolean, answered: () => boolean) {
  for (let at = 0; at < body.length && !answered() && !socket.destroyed; at += PIECE) {
    const piece = body.subarray(at, at + PIECE);
    const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
    if (!socket.write(framed)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  if (chunked && !answered() && !socket.destroyed) socket.write('0\r\n\r\n');
}

/**
 * One HTTP/1.1 request on a fresh connection with exactly these bytes (latin1 for the head), so a
 * test can send what fetch refuses to: NUL in a path, broken escapes, repeated headers, raw bodies.
 * Rejects when no complete answer arrives within `timeoutMs`.
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 5_000): Promise<RawResponse> {
  const body = Buffer.from(request.body ?? '');
  const framing: [string, string][] =
    request.body === undefined ? [] : request.chunked ? [['transfer-encoding', 'chunked']] : [['content-length', String(body.length)]];
  const head = [`${request.method} ${request.target} HTTP/1.1`, `host: localhost:${port}`, 'connection: close', ...[...(request.headers ?? []), ...framing].map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms: ${request.method} ${request.target.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (data: Buffer) => received.push(data));
    // A server that answered early may reset the connection while the body is still being written.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(received)));
      } catch (err) {
        reject(err);
      }
    });
    socket.on('connect', () => {
      socket.write(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'));
      writeBody(socket, body, Boolean(request.chunked), () => received.length > 0).catch(() => socket.destroy());
    });
  });
}
