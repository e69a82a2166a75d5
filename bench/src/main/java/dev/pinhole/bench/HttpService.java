package dev.pinhole.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The service behind the HTTP ingress benchmark, fast enough not to be what is measured: {@code GET /}
 * answers 13 bytes; {@code GET /blob/N} sends N bytes (as fast as the connection takes them). Keep-alive.
 *
 * <pre>HttpService PORT</pre>
 */
public final class HttpService {
    private static final byte[] HELLO = "hello, world\n".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1 << 16).writeBytes(Arrays.copyOf(Blast.pattern(), 1 << 16)));

    private HttpService() {}

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Handler());
                    }
                })
                .bind("127.0.0.1", Integer.parseInt(args[0])).sync().channel();
        server.closeFuture().sync();
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private long blobLeft;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpRequest request)) {
                return;
            }
            if (request.uri().startsWith("/blob/")) {
                blobLeft = Long.parseLong(request.uri().substring(6));
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_LENGTH, blobLeft);
                ctx.write(head);
                pump(ctx);
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(HELLO));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, HELLO.length)
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            ctx.write(response);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        /** Writes blob chunks while the socket takes them; resumes when it drains. */
        private void pump(ChannelHandlerContext ctx) {
            while (blobLeft > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK.capacity(), blobLeft);
                blobLeft -= n;
                ctx.write(new DefaultHttpContent(CHUNK.retainedSlice(0, n)));
            }
            if (blobLeft == 0) {
                blobLeft = -1;
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (blobLeft > 0 && ctx.channel().isWritable()) {
                pump(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
