package dev.aijobs.worker.execute;

import java.util.Objects;
import org.asynchttpclient.channel.ChannelPoolPartitioning;
import org.asynchttpclient.proxy.ProxyServer;
import org.asynchttpclient.uri.Uri;

/**
 * Pool partitions that include the proxy's credentials. AsyncHttpClient's default key is target +
 * proxy host/port/type only, so a tunnel opened as one proxy user would be reused for another.
 */
enum ProxyAwarePartitioning implements ChannelPoolPartitioning {
  INSTANCE;

  @Override
  public Object getPartitionKey(Uri uri, String virtualHost, ProxyServer proxy) {
    Object base =
        ChannelPoolPartitioning.PerHostChannelPoolPartitioning.INSTANCE.getPartitionKey(
            uri, virtualHost, proxy);
    if (proxy == null || proxy.getRealm() == null) {
      return base;
    }
    return new Key(base, proxy.getRealm().getPrincipal(), proxy.getRealm().getPassword());
  }

  private record Key(Object base, String user, String password) {
    @Override
    public String toString() {
      return base + "@" + user;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.base.equals(base)
          && Objects.equals(k.user, user)
          && Objects.equals(k.password, password);
    }

    @Override
    public int hashCode() {
      return Objects.hash(base, user);
    }
  }
}
