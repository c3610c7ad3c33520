package dev.aijobs.testkit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A hand-written SOCKS5 client, so tests see every reply byte the server sends. */
final class RawSocks5 implements Closeable {

  static final int NO_AUTH = 0x00;
  static final int PASSWORD = 0x02;

  final Socket socket;
  final InputStream in;
  final OutputStream out;

  private RawSocks5(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RawSocks5 connect(InetSocketAddress proxy) throws IOException {
    Socket socket = new Socket(proxy.getAddress(), proxy.getPort());
    socket.setSoTimeout(10_000);
    return new RawSocks5(socket);
  }

  /** Sends the greeting; returns the reply (2 bytes, fewer when the server closed). */
  byte[] greet(int... methods) throws IOException {
    ByteArrayOutputStream greeting = new ByteArrayOutputStream();
    greeting.write(5);
    greeting.write(methods.length);
    for (int method : methods) {
      greeting.write(method);
    }
    out.write(greeting.toByteArray());
    out.flush();
    return in.readNBytes(2);
  }

  /** Sends RFC 1929 credentials; returns the status byte, -1 when the server closed. */
  int auth(String user, String password) throws IOException {
    byte[] u = user.getBytes(StandardCharsets.UTF_8);
    byte[] p = password.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(1);
    request.write(u.length);
    request.writeBytes(u);
    request.write(p.length);
    request.writeBytes(p);
    out.write(request.toByteArray());
    out.flush();
    byte[] reply = in.readNBytes(2);
    return reply.length < 2 ? -1 : reply[1] & 0xff;
  }

  /** CONNECT to a host name (ATYP 3); returns the REP byte, -1 when the server closed. */
  int connectDomain(String host, int port) throws IOException {
    byte[] name = host.getBytes(StandardCharsets.US_ASCII);
    byte[] address = new byte[name.length + 1];
    address[0] = (byte) name.length;
    System.arraycopy(name, 0, address, 1, name.length);
    return connect(3, address, port);
  }

  /** CONNECT to an IPv4 (ATYP 1, 4 bytes) or IPv6 (ATYP 4, 16 bytes) address. */
  int connectIp(byte[] ip, int port) throws IOException {
    return connect(ip.length == 4 ? 1 : 4, ip, port);
  }

  private int connect(int addressType, byte[] address, int port) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(new byte[] {5, 1, 0, (byte) addressType});
    request.writeBytes(address);
    request.write(port >> 8);
    request.write(port & 0xff);
    out.write(request.toByteArray());
    out.flush();
    byte[] head = in.readNBytes(4);
    if (head.length < 4) {
      return -1;
    }
    int length =
        switch (head[3]) {
          case 1 -> 4;
          case 4 -> 16;
          default -> in.read();
        };
    in.readNBytes(length + 2);
    return head[1] & 0xff;
  }

  /** Sends bytes through the tunnel. */
  void send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
