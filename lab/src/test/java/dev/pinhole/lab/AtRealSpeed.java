package dev.pinhole.lab;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For flood tests ({@code @ExtendWith(AtRealSpeed.class)}): the build runs tests with paranoid leak detection, which
 * records a stack trace on every buffer access and slows the server so much that no flood gets far enough to show
 * anything. Leaks are checked by every other test; the class's tests run the server at its real speed, and the
 * level is put back after them.
 */
final class AtRealSpeed implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AtRealSpeed.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put(ResourceLeakDetector.Level.class, ResourceLeakDetector.getLevel());
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ResourceLeakDetector.setLevel(context.getStore(NAMESPACE)
                .get(ResourceLeakDetector.Level.class, ResourceLeakDetector.Level.class));
    }
}
