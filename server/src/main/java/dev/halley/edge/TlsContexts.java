package dev.halley.edge;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Builds the server's TLS context once: OpenSSL (BoringSSL) when its native library loads, the JDK's otherwise. */
final class TlsContexts {

    private TlsContexts() {
    }

    static SslContext server(Path certChain, Path privateKey) {
        try {
            return SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use --tls-cert " + certChain + " and --tls-key " + privateKey + ": " + e.getMessage(), e);
        }
    }
}
