package io.pvkit.grant;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The rethrowing {@link ErrorHandler}: unchecked exceptions and errors themselves, a checked exception wrapped. (The
 * default handler logs through {@code System.Logger}; pv-grant's module does not read {@code java.logging}, so this test
 * cannot install a handler to observe it.)
 */
class ErrorHandlerTest {
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
