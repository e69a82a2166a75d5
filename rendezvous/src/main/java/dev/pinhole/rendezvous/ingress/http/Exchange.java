package dev.pinhole.rendezvous.ingress.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The bookkeeping of {@link HttpProxyHandler}'s connection, without I/O: its {@link Phase}, changed only
 * through {@link #to}, and the facts of the request being served.
 */
final class Exchange {
    private Phase phase = Phase.IDLE;
    /**
     * The request has ended. Independent of the phases that wait for the service's response (a request may end
     * before its response begins, or after it has begun: a service may answer before reading the whole body),
     * so a flag; cleared whenever the phase leaves them, so it never outlives its exchange.
     */
    private boolean requestDone;
    // Facts of the request, fixed by its head; the close may also be asked for by the response or the visitor.
    private boolean head;
    private boolean upgradeAsked;
    private boolean http10;
    private boolean closeAfterResponse;
    /** Our own pages so far on this connection (404, 401, ...). */
    private int ownPages;

    /** A browser needs a few pages of ours on one connection; past this many, the page says Connection: close. */
    static final int MAX_OWN_PAGES = 32;

    boolean is(Phase candidate) {
        return phase == candidate;
    }

    /** @throws Phase.IllegalPhaseChange for a change the handler never makes (see {@link Phase#to}) */
    void to(Phase next) {
        phase = phase.to(next);
        requestDone &= phase.responsePending();
    }

    /** A request head arrived (the phase is still the one before it). */
    void begin(HttpRequest request) {
        head = HttpMethod.HEAD.equals(request.method());
        closeAfterResponse = !HttpUtil.isKeepAlive(request);
        upgradeAsked = HeaderRules.webSocketUpgrade(request.headers());
        http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    }



    boolean head() {
        return head;
    }

    boolean closeAfterResponse() {
        return closeAfterResponse;
    }

    /** The visitor shut its side down mid-exchange: this response is the last. */
    void closeAfterThisResponse() {
        closeAfterResponse = true;
    }

    /** One more page of ours answers this request: whether the connection may stay open after it. */
    boolean keepAliveAfterOwnPage() {
        if (++ownPages >= MAX_OWN_PAGES) {
            closeAfterResponse = true;
        }
        return !closeAfterResponse;
    }

    boolean requestDone() {
        return requestDone;
    }

    /** A request waits for its stream, or has been sent whole and waits for its response: the next one waits too. */
    boolean mustWait() {
        return phase == Phase.OPENING || requestDone;
    }

    /** Whether the service has the request and its response is still to come or coming. */
    boolean responsePending() {
        return phase.responsePending();
    }

    /** Whether the request's body goes on to the service (rather than being dropped). */
    boolean bodyToService() {
        return phase.responsePending() || phase == Phase.RESPONDED;
    }

    /** The request's last content came: true when that ends the exchange (its response was complete before). */
    boolean requestEnded() {
        if (phase.responsePending()) {
            requestDone = true;
            return false;
        }
        return phase == Phase.RESPONDED || phase == Phase.DISCARDING;
    }

    /**
     * The service's response head came: an interim one, the 101 to an upgrade request, or the final one; its
     * headers become the ones the visitor sees ({@link HeaderRules#toVisitor}).
     */
    void responseBegins(HttpResponse response) {
        int code = response.status().code();
        if (code == 101 && upgradeAsked) {
            to(Phase.UPGRADING);
        } else if (code >= 100 && code < 200 && code != 101) {
            to(Phase.INTERIM);
        } else {
            to(Phase.RESPONDING);
            closeAfterResponse |= !HttpUtil.isKeepAlive(response) || closeDelimited(response);
        }
        boolean last = phase == Phase.RESPONDING; // the final response, not a 1xx
        HeaderRules.toVisitor(response, phase == Phase.UPGRADING, last && closeAfterResponse, last && http10);
    }

    /** A response whose end only the closing of the connection marks (no length, not chunked). */
    private boolean closeDelimited(HttpResponse response) {
        int code = response.status().code();
        return !head && code != 204 && code != 304 && !HttpUtil.isContentLengthSet(response)
                && !HttpUtil.isTransferEncodingChunked(response);
    }
}
