package dev.pinhole.rendezvous.ingress.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** On a stream to the service, after its HTTP client codec: hands everything to the visitor's {@link HttpProxyHandler}. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private final HttpProxyHandler proxy;

    BackendHandler(HttpProxyHandler proxy) {
        this.proxy = proxy;
    }

    @Override
    public void channelRead(ChannelHandlerContext stream, Object msg) {
        proxy.fromBackend(stream.channel(), msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext stream) {
        proxy.backendReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext stream) {
        proxy.backendWritabilityChanged(stream.channel());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext stream, Object evt) {
        // The service closed its side (its response may have ended with the connection): the codec has
        // already passed on the end of such a response; nothing more will come.
        if (evt instanceof ChannelInputShutdownEvent) {
            proxy.backendClosed(stream.channel());
            stream.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext stream) {
        proxy.backendClosed(stream.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext stream, Throwable cause) {
        stream.close();
        if (cause instanceof Phase.IllegalPhaseChange) {
            stream.fireExceptionCaught(cause); // a bug in the proxy: logged at the pipeline's tail (and thrown in tests)
        }
    }
}
