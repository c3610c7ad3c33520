package dev.aijobs.testkit.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for {@code 127.0.0.1}, {@code ::1} and {@code localhost}, made
 * once per JVM by the JDK's own {@code keytool} (Netty's {@code SelfSignedCertificate} is
 * deprecated and puts no IP address in the certificate, so clients checking {@code 127.0.0.1}
 * reject it). The files live in a temporary directory deleted at JVM exit.
 *
 * @param certificate the server certificate
 * @param key the server's private key
 * @param trustStore a PKCS12 file holding only the certificate, for clients
 * @param password the trust store's password
 */
public record SelfSignedTls(
    X509Certificate certificate, PrivateKey key, Path trustStore, String password) {

  /** Password of both generated PKCS12 files; they protect nothing but test traffic. */
  public static final String PASSWORD = "mock-upstream";

  private static final String ALIAS = "mock-upstream";
  private static SelfSignedTls instance;

  /**
   * Returns this JVM's certificate, generating it on first use (about a second). Blocking; never
   * call it on an event loop.
   *
   * @return the material
   * @throws IllegalStateException when keytool is missing or fails
   */
  public static synchronized SelfSignedTls get() {
    if (instance == null) {
      instance = generate();
    }
    return instance;
  }

  /** Returns the clients' trust store holding the certificate. */
  public dev.aijobs.testkit.TrustStore clientTrustStore() {
    return new dev.aijobs.testkit.TrustStore(trustStore, password, "PKCS12");
  }

  /** Returns a Netty server context serving the certificate. */
  public SslContext serverContext() {
    try {
      return SslContextBuilder.forServer(key, certificate).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SelfSignedTls generate() {
    try {
      Path dir = Files.createTempDirectory("aijobs-mock-tls");
      dir.toFile().deleteOnExit();
      Path server = dir.resolve("server.p12");
      Path trust = dir.resolve("truststore.p12");
      server.toFile().deleteOnExit();
      trust.toFile().deleteOnExit();
      runKeytool(server);
      KeyStore keys = load(server);
      X509Certificate cert = (X509Certificate) keys.getCertificate(ALIAS);
      PrivateKey key = (PrivateKey) keys.getKey(ALIAS, PASSWORD.toCharArray());
      KeyStore trustOnly = KeyStore.getInstance("PKCS12");
      trustOnly.load(null, null);
      trustOnly.setCertificateEntry(ALIAS, cert);
      try (OutputStream out = Files.newOutputStream(trust)) {
        trustOnly.store(out, PASSWORD.toCharArray());
      }
      return new SelfSignedTls(cert, key, trust, PASSWORD);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the mock upstream's TLS certificate", e);
    }
  }

  private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }

  private static void runKeytool(Path keystore) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command =
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            ALIAS,
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-sigalg",
            "SHA256withRSA",
            "-dname",
            "CN=localhost",
            "-ext",
            "san=ip:127.0.0.1,ip:::1,dns:localhost",
            "-validity",
            "7300",
            "-storetype",
            "PKCS12",
            "-keystore",
            keystore.toString(),
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(
            keytool + " failed: " + new String(output, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + keytool, e);
    }
  }
}
