package dev.aijobs.testkit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A raw HTTP/1.1 client over one socket, so tests see exactly how a response ends. */
final class RawHttp implements Closeable {

  private final Socket socket;
  private final InputStream in;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  static RawHttp connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    return new RawHttp(socket);
  }

  Socket socket() {
    return socket;
  }

  static String chatBody(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello big world\"}]}";
  }

  void post(String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  /** Reads the status line and headers; EOFException when the server closes first. */
  String readHead() throws IOException {
    return readUntil("\r\n\r\n");
  }

  /** Reads one chunk's data; null for the last (zero-size) chunk; EOFException on a close. */
  String readChunk() throws IOException {
    String sizeLine = readUntil("\r\n").strip();
    int size = Integer.parseInt(sizeLine, 16);
    if (size == 0) {
      readUntil("\r\n");
      return null;
    }
    byte[] data = in.readNBytes(size);
    if (data.length < size) {
      throw new EOFException("closed inside a chunk");
    }
    readUntil("\r\n");
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Reads chunks until the last one; the whole decoded body. */
  String readChunkedBody() throws IOException {
    StringBuilder body = new StringBuilder();
    for (String chunk = readChunk(); chunk != null; chunk = readChunk()) {
      body.append(chunk);
    }
    return body.toString();
  }

  /** Reads chunks until the server closes; the decoded body received so far. */
  String readChunksUntilClosed() throws IOException {
    StringBuilder body = new StringBuilder();
    try {
      for (String chunk = readChunk(); chunk != null; chunk = readChunk()) {
        body.append(chunk);
      }
    } catch (EOFException expected) {
      return body.toString();
    }
    throw new IOException("the response ended normally; expected a close. Body: " + body);
  }

  /** Reads exactly n body bytes; EOFException when the server closes first. */
  byte[] readBody(long n) throws IOException {
    byte[] body = in.readNBytes((int) n);
    if (body.length < n) {
      throw new EOFException("closed after " + body.length + " of " + n + " body bytes");
    }
    return body;
  }

  /** Reads bytes until the server closes. */
  byte[] readToEnd() throws IOException {
    return in.readAllBytes();
  }

  int read() throws IOException {
    return in.read();
  }

  static long contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Long.parseLong(line.substring("content-length:".length()).trim());
      }
    }
    return -1;
  }

  private String readUntil(String end) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] terminator = end.getBytes(StandardCharsets.US_ASCII);
    int matched = 0;
    while (matched < terminator.length) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("closed after " + bytes.size() + " bytes: " + bytes);
      }
      bytes.write(b);
      matched = b == terminator[matched] ? matched + 1 : (b == terminator[0] ? 1 : 0);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
