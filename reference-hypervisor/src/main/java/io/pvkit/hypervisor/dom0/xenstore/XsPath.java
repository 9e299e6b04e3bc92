package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

/**
 * Path rules of {@code docs/misc/xenstore.txt} and C xenstored's {@code is_valid_nodename}: an absolute path
 * starts with {@code /}; a relative one is resolved under the caller's home {@code /local/domain/<id>};
 * characters are {@code [A-Za-z0-9-/_@]}; no {@code //}, no trailing {@code /} except the root; the part
 * below {@code /local/domain/<id>/} (or the whole path) is at most the configured length. Special watch
 * paths start with {@code @} and are accepted only where the caller allows them.
 */
final class XsPath {
    static final String ROOT = "/";
    static final String INTRODUCE_DOMAIN = "@introduceDomain";
    static final String RELEASE_DOMAIN = "@releaseDomain";

    private XsPath() {
    }

    static String home(int domid) {
        return "/local/domain/" + domid;
    }

    /**
     * Resolves and validates a path from a request.
     *
     * @param raw the path as sent (already checked for NUL termination)
     * @param domid the caller's home domain
     * @param maxRelative the length limit
     * @param allowSpecial whether {@code @introduceDomain}/{@code @releaseDomain} are accepted
     * @return the absolute path (or the special name)
     * @throws XenstoreException {@code EINVAL} for an invalid path
     */
    static String resolve(String raw, int domid, int maxRelative, boolean allowSpecial) {
        if (raw.isEmpty()) {
            throw new XenstoreException(XsError.EINVAL);
        }
        if (raw.charAt(0) == '@') {
            if (allowSpecial && (raw.equals(INTRODUCE_DOMAIN) || raw.equals(RELEASE_DOMAIN))) {
                return raw;
            }
            throw new XenstoreException(XsError.EINVAL);
        }
        String abs = raw.charAt(0) == '/' ? raw : home(domid) + "/" + raw;
        if (!validChars(abs) || abs.contains("//") || (abs.length() > 1 && abs.endsWith("/"))) {
            throw new XenstoreException(XsError.EINVAL);
        }
        if (abs.length() - localOffset(abs) > maxRelative) {
            throw new XenstoreException(XsError.EINVAL);
        }
        return abs;
    }

    /** Length of a {@code /local/domain/<n>/} prefix (C's {@code %5u}), or 0. */
    private static int localOffset(String abs) {
        String p = "/local/domain/";
        if (!abs.startsWith(p)) {
            return 0;
        }
        int i = p.length();
        int digits = 0;
        while (i < abs.length() && digits < 5 && Character.isDigit(abs.charAt(i))) {
            i++;
            digits++;
        }
        return digits > 0 && i < abs.length() && abs.charAt(i) == '/' ? i + 1 : 0;
    }

    private static boolean validChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '/' || c == '_' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String parent(String abs) {
        int i = abs.lastIndexOf('/');
        return i <= 0 ? ROOT : abs.substring(0, i);
    }

    static String name(String abs) {
        return abs.substring(abs.lastIndexOf('/') + 1);
    }

    static String child(String parent, String name) {
        return parent.equals(ROOT) ? "/" + name : parent + "/" + name;
    }

    /** Whether {@code path} is {@code ancestor} or below it. */
    static boolean isAtOrBelow(String path, String ancestor) {
        if (ancestor.equals(ROOT)) {
            return path.startsWith("/");
        }
        return path.equals(ancestor) || (path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

    /** The path as a watcher that registered a relative path sees it. */
    static String relativeTo(String abs, int domid) {
        String prefix = home(domid) + "/";
        return abs.startsWith(prefix) ? abs.substring(prefix.length()) : abs;
    }
}
