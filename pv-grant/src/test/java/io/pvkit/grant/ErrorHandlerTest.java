package io.pvkit.grant;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The two ready-made {@link ErrorHandler}s: the default one logs, the rethrowing one rethrows as unchecked. */
class ErrorHandlerTest {
    @Test
    void loggingShouldLogTheThrowableAtErrorLevelOnTheGrantLogger() {
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
        Logger logger = Logger.getLogger("io.pvkit.grant");
        boolean parents = logger.getUseParentHandlers();
        logger.addHandler(capture);
        logger.setUseParentHandlers(false); // only this test's handler: no stack trace in the build log
        try {
            IllegalStateException bug = new IllegalStateException("a pvkit bug");
            ErrorHandler.logging().onError(bug);
            assertEquals(1, records.size(), "one record");
            assertSame(bug, records.get(0).getThrown());
            assertEquals(Level.SEVERE, records.get(0).getLevel());
            assertEquals("unexpected exception in a grant-table operation", records.get(0).getMessage());
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parents);
        }
    }

    @Test
    void rethrowingShouldRethrowUncheckedExceptionsAndErrorsThemselves() {
        IllegalArgumentException unchecked = new IllegalArgumentException("unchecked");
        assertSame(unchecked, assertThrows(IllegalArgumentException.class,
                () -> ErrorHandler.rethrowing().onError(unchecked)));
        AssertionError error = new AssertionError("an error");
        assertSame(error, assertThrows(AssertionError.class, () -> ErrorHandler.rethrowing().onError(error)));
    }

    @Test
    void rethrowingShouldWrapACheckedExceptionInIllegalStateException() {
        IOException checked = new IOException("checked");
        IllegalStateException wrapped = assertThrows(IllegalStateException.class,
                () -> ErrorHandler.rethrowing().onError(checked));
        assertSame(checked, wrapped.getCause());
    }

    @Test
    void rethrowingShouldRefuseNull() {
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> ErrorHandler.rethrowing().onError(null));
        assertEquals("throwable", npe.getMessage());
    }
}
