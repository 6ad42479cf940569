package dev.halley.edge;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Builds the server's TLS context once: OpenSSL (BoringSSL) when its native library loads, the JDK's otherwise. */
final class TlsContexts {

    private TlsContexts() {
    }

    /** @param http2 whether ALPN offers {@code h2} before {@code http/1.1} */
    static SslContext server(Path certChain, Path privateKey, boolean http2) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
            if (http2) {
                // HTTP/2 over TLS needs TLS 1.2+ and its cipher rules (RFC 7540 9.2); Netty's list keeps to them.
                builder.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use --tls-cert " + certChain + " and --tls-key " + privateKey + ": " + e.getMessage(), e);
        }
    }
}
