package dev.aijobs.worker.config;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.TrustManagerFactory;

/** Client TLS contexts trusting the JVM's default CAs or a configured trust store. */
public final class TrustStores {
  private TrustStores() {}

  /**
   * A client context trusting {@code store} (PKCS12 or JKS), or the JVM's defaults when null.
   *
   * @throws ConfigException naming {@code key} when the store cannot be loaded
   */
  public static SslContext clientContext(String key, WorkerConfig.TrustStore store) {
    String path = store == null ? null : store.path();
    Secret password = store == null ? null : store.password();
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (path == null) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(Path.of(path))) {
          ks.load(in, password == null ? null : password.reveal().toCharArray());
        }
        tmf.init(ks);
      }
      return SslContextBuilder.forClient().trustManager(tmf).build();
    } catch (Exception e) {
      throw ConfigException.invalid(key, "cannot load the trust store: " + e.getMessage());
    }
  }
}
