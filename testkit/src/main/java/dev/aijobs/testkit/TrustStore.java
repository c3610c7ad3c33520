package dev.aijobs.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A trust store file that lets a client trust a test server's self-signed certificate, e.g. {@code
 * -Djavax.net.ssl.trustStore=PATH -Djavax.net.ssl.trustStorePassword=PASSWORD} or {@link
 * #sslContext()} for {@code java.net.http}. Immutable.
 *
 * @param path the file
 * @param password the file's password
 * @param type the key store type, {@code PKCS12}
 */
public record TrustStore(Path path, String password, String type) {

  /** Validates the fields. */
  public TrustStore {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(type, "type");
  }

  /**
   * Loads the file.
   *
   * @return the key store holding the trusted certificate
   * @throws UncheckedIOException when the file cannot be read
   * @throws IllegalStateException when it cannot be decoded
   */
  public KeyStore load() {
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance(type);
      store.load(in, password.toCharArray());
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load trust store " + path, e);
    }
  }

  /**
   * Returns a fresh TLS client context trusting exactly this store's certificates.
   *
   * @return an initialised {@code TLS} context
   */
  public SSLContext sslContext() {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(load());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context from " + path, e);
    }
  }

  @Override
  public String toString() {
    return "TrustStore[" + path + ", " + type + "]";
  }
}
