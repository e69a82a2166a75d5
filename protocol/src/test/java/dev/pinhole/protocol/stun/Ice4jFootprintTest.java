package dev.pinhole.protocol.stun;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ice4j is here for its STUN codec only; its ICE agent's SIP/SDP, UPnP, JNA and JSON jars are excluded
 * (pom.xml). Each of these classes comes from one of them: none may be on the class path, and the codec
 * tests in this package pass without them.
 */
class Ice4jFootprintTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "com.sun.jna.Native",                 // net.java.dev.jna:jna
        "javax.sdp.SdpFactory",               // org.opentelecoms.sdp:sdp-api
        "gov.nist.javax.sdp.SessionDescriptionImpl", // org.jitsi:jain-sip-ri-ossonly
        "org.bitlet.weupnp.GatewayDiscover",  // org.bitlet:weupnp
        "org.json.simple.JSONObject"})        // com.googlecode.json-simple
    void excludedJarsStayOut(String className) {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(className));
    }
}
