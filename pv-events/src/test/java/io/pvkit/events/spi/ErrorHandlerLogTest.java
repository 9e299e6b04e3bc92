package io.pvkit.events.spi;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ErrorHandler#LOG}, the default, logs every exception at {@code ERROR} through the {@link System.Logger} named
 * {@code io.pvkit.events}: with no logging configured, {@code java.util.logging} receives it at {@code SEVERE}. The
 * test captures that logger's output with a {@code StreamHandler}, reached reflectively: pv-events' module does not
 * read {@code java.logging} (the tests are compiled into it), so it adds the read edge at run time.
 */
class ErrorHandlerLogTest {
    @Test
    void theDefaultHandlerLogsTheExceptionAtErrorLevel() throws ReflectiveOperationException {
        Module logging = ModuleLayer.boot().findModule("java.logging").orElseThrow();
        ErrorHandlerLogTest.class.getModule().addReads(logging);
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> handlerClass = Class.forName("java.util.logging.Handler");
        Class<?> formatterClass = Class.forName("java.util.logging.Formatter");
        Object logger = loggerClass.getMethod("getLogger", String.class).invoke(null, "io.pvkit.events");
        Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object handler = Class.forName("java.util.logging.StreamHandler")
                .getConstructor(OutputStream.class, formatterClass).newInstance(out, formatter);
        boolean useParent = (boolean) loggerClass.getMethod("getUseParentHandlers").invoke(logger);
        loggerClass.getMethod("addHandler", handlerClass).invoke(logger, handler);
        loggerClass.getMethod("setUseParentHandlers", boolean.class).invoke(logger, false); // keep it out of the build log
        try {
            ErrorHandler.LOG.onError(new IllegalStateException("a kicker bug"));
            handlerClass.getMethod("flush").invoke(handler);
        } finally {
            loggerClass.getMethod("removeHandler", handlerClass).invoke(logger, handler);
            loggerClass.getMethod("setUseParentHandlers", boolean.class).invoke(logger, useParent);
        }
        String logged = out.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("SEVERE"), logged);
        assertTrue(logged.contains("pv-events caught an unexpected exception"), logged);
        assertTrue(logged.contains("java.lang.IllegalStateException: a kicker bug"), "with the exception: " + logged);
    }
}
