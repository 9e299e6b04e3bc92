package io.pvkit.events.spi;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link ErrorHandler#LOG}, the default, logs every exception at {@code ERROR} through the {@link System.Logger} named
 * {@code io.pvkit.events}: with no logging configured, {@code java.util.logging} receives it at {@code SEVERE}.
 */
class ErrorHandlerLogTest {
    @Test
    void theDefaultHandlerLogsTheExceptionAtErrorLevel() {
        Logger logger = Logger.getLogger("io.pvkit.events");
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean useParent = logger.getUseParentHandlers();
        logger.addHandler(capture);
        logger.setUseParentHandlers(false); // keep the expected record out of the build's output
        try {
            IllegalStateException bug = new IllegalStateException("a kicker bug");
            ErrorHandler.LOG.onError(bug);
            assertEquals(1, records.size());
            LogRecord r = records.get(0);
            assertEquals(Level.SEVERE, r.getLevel());
            assertSame(bug, r.getThrown());
            assertEquals("pv-events caught an unexpected exception", r.getMessage());
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(useParent);
        }
    }
}
