import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem } from './problem';

/**
 * Node's HTTP parser refuses some requests before express sees them, most often a request line
 * and headers over `maxHeaderSize` (16 KiB: a path holding a pasted document, say). Its own
 * answer is a bare status line; this gives that refusal the problem+json every other refusal
 * has (431 HEADERS_TOO_LARGE). Other parser errors keep Node's own answers (400, 408, 413).
 */
export const answerParserRefusals = (server: Server): void => {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const headersSent = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (socket.writable && !headersSent) socket.write(refusalOf(error.code));
    socket.destroy(error);
  });
};

const refusalOf = (code: string | undefined): string => {
  if (code === 'HPE_HEADER_OVERFLOW') {
    const body = JSON.stringify(
      problem(
        'HEADERS_TOO_LARGE',
        `the request line and headers are larger than ${maxHeaderSize / 1024} KiB: send long values in the request body`,
      ),
    );
    return (
      'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
    );
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
  return 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
};
