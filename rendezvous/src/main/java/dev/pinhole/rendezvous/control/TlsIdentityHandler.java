package dev.pinhole.rendezvous.control;

import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RateLimitedLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Turns a finished TLS handshake into {@link PeerAuthenticated}, so the control handler needs no TLS. */
public final class TlsIdentityHandler extends ChannelInboundHandlerAdapter {
    private final RateLimitedLog log;

    /** @param log failed handshakes are a stranger's doing: their lines are rate-limited */
    public TlsIdentityHandler(RateLimitedLog log) {
        this.log = log;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            ctx.pipeline().remove(this);
            if (!done.isSuccess()) {
                log.info("tls-failed", "TLS handshake with " + ctx.channel().remoteAddress() + " failed: " + done.cause().getMessage());
                ctx.close();
                return;
            }
            try {
                var certificates = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
                String key = Identity.keyFingerprint((X509Certificate) certificates[0]);
                ctx.fireUserEventTriggered(new PeerAuthenticated(key));
            } catch (SSLPeerUnverifiedException e) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
