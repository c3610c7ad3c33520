package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connection-level behaviour over raw sockets, where the test controls every open and close. */
class MockUpstreamConnectionsTest {

  private static final String BODY =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private MockUpstream upstream;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    upstream = MockUpstream.start();
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    upstream.close();
  }

  @Test
  void openConnectionsFollowsClientsAndReturnsToZero() throws IOException {
    Socket first = connect();
    Socket second = connect();
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 2);

    assertThat(exchange(first, "")).startsWith("HTTP/1.1 200");
    first.close();
    second.close();

    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 0);
  }

  @Test
  void keepsTheConnectionAliveAcrossRequests() throws IOException {
    Socket socket = connect();

    assertThat(exchange(socket, "")).startsWith("HTTP/1.1 200");
    assertThat(exchange(socket, "")).startsWith("HTTP/1.1 200");
    assertThat(upstream.requestCount()).isEqualTo(2);
    assertThat(upstream.openConnections()).isEqualTo(1);
  }

  @Test
  void closesTheConnectionWhenTheClientAsksTo() throws IOException {
    Socket socket = connect();

    String response = exchange(socket, "Connection: close\r\n");

    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(socket.getInputStream().read()).isEqualTo(-1);
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 0);
  }

  @Test
  void closeDropsOpenConnections() throws IOException {
    Socket socket = connect();
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 1);

    upstream.close();

    assertThat(socket.getInputStream().read()).isEqualTo(-1);
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", upstream.port());
    socket.setSoTimeout(10_000);
    sockets.add(socket);
    return socket;
  }

  /** Sends one chat completion and reads one whole response (head and body). */
  private static String exchange(Socket socket, String extraHeaders) throws IOException {
    byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n"
            + extraHeaders
            + "\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return readResponse(socket.getInputStream());
  }

  private static String readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the response head");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
