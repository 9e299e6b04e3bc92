package io.pvkit.conformance.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gen;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-based check of rule {@code XS-20}: random operation sequences from two actors against
 * {@link XenstoreModel}, on the kit's property engine. Each try works in a fresh directory below
 * {@link XenstoreVerification#KIT} that dom0 creates (readable and writable by both actors) and removes afterwards.
 */
final class XenstoreModelCheck {

    /**
     * One connection and the domain it acts as.
     *
     * @param client the connection
     * @param domid its domain (0 for socket connections)
     */
    record Actor(XsClient client, int domid) {
        @Override
        public String toString() {
            return client.name();
        }
    }

    /** One try's system: the actors and the try's base directory. */
    record Store(String base, List<Actor> actors, XsClient dom0) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            dom0.request(XsdSockmsgType.RM, 0, base);
        }
    }

    private static final List<String> TOP = List.of("a", "b", "c", "d", "e", "f");
    private static final List<String> BELOW = List.of("x", "y");
    private static final List<Character> LETTERS = List.of('n', 'r', 'w', 'b');

    private final XsClient dom0;
    private final List<Actor> actors;
    private final List<Integer> strangers;
    private int tryNumber;

    /**
     * Creates the check.
     *
     * @param dom0 the dom0 connection that sets up and removes each try's directory
     * @param actors the two actors
     * @param strangers extra domids used in permission lists (besides the actors' own)
     */
    XenstoreModelCheck(XsClient dom0, List<Actor> actors, List<Integer> strangers) {
        this.dom0 = dom0;
        this.actors = List.copyOf(actors);
        this.strangers = List.copyOf(strangers);
    }

    private List<XenstoreModel.Perm> basePerms() {
        List<XenstoreModel.Perm> perms = new ArrayList<>();
        perms.add(new XenstoreModel.Perm('n', 0));
        for (Actor a : actors) {
            if (a.domid() != 0) {
                perms.add(new XenstoreModel.Perm('b', a.domid()));
            }
        }
        return perms;
    }

    private String base() {
        return XenstoreVerification.KIT + "/model" + tryNumber;
    }

    private Store newStore() {
        try {
            String base = base();
            XsMessage r = dom0.request(XsdSockmsgType.MKDIR, 0, base);
            assertTrue(!r.isError(), "setting up " + base + ": " + r);
            List<String> args = new ArrayList<>();
            args.add(base);
            basePerms().forEach(p -> args.add(p.toString()));
            r = dom0.request(XsdSockmsgType.SET_PERMS, 0, args.toArray(String[]::new));
            assertTrue(!r.isError(), "setting up " + base + ": " + r);
            return new Store(base, actors, dom0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the property (the build's {@code -Dpvkit.tries}, seed printed on failure).
     *
     * @param name the property's name
     * @param seed when present, replays exactly the one try with this seed (as printed by a failure)
     */
    void run(String name, java.util.OptionalLong seed) {
        StateMachine<XenstoreModel, Store> machine = StateMachine.<XenstoreModel, Store>of(
                () -> {
                    tryNumber++;
                    return XenstoreModel.of(base(), basePerms());
                },
                this::newStore,
                this::actions).withMaxSteps(40);
        Property property = Property.named(name);
        if (seed.isPresent()) {
            property = property.seed(seed.getAsLong());
        }
        property.check(machine);
    }

    private Gen<Action<XenstoreModel, Store>> actions(XenstoreModel model) {
        Gen<Integer> actor = Gens.ints(0, actors.size() - 1);
        Gen<String> path = source -> {
            StringBuilder sb = new StringBuilder(model.base());
            int depth = Gens.ints(1, 3).generate(source);
            sb.append('/').append(Gens.elements(TOP).generate(source));
            for (int i = 1; i < depth; i++) {
                sb.append('/').append(Gens.elements(BELOW).generate(source));
            }
            return sb.toString();
        };
        Gen<String> value = Gens.elements(List.of("", "v", "value-2", "a\0b"));
        List<Integer> domids = new ArrayList<>(strangers);
        actors.stream().map(Actor::domid).filter(d -> d != 0).forEach(domids::add);
        Gen<List<XenstoreModel.Perm>> perms = source -> {
            List<XenstoreModel.Perm> out = new ArrayList<>();
            int entries = Gens.ints(1, 3).generate(source);
            for (int i = 0; i < entries; i++) {
                out.add(new XenstoreModel.Perm(Gens.elements(LETTERS).generate(source),
                        Gens.elements(domids).generate(source)));
            }
            return out;
        };
        return source -> {
            int who = actor.generate(source);
            int d = actors.get(who).domid();
            int op = Gens.ints(0, 6).generate(source);
            String p = path.generate(source);
            return switch (op) {
                case 0 -> new Op(who, d, "READ", p, null, null);
                case 1 -> new Op(who, d, "WRITE", p, value.generate(source), null);
                case 2 -> new Op(who, d, "MKDIR", p, null, null);
                case 3 -> new Op(who, d, "RM", p, null, null);
                case 4 -> new Op(who, d, "DIRECTORY", p, null, null);
                case 5 -> new Op(who, d, "GET_PERMS", p, null, null);
                default -> new Op(who, d, "SET_PERMS", p, null, perms.generate(source));
            };
        };
    }

    /** One generated operation. */
    private record Op(int actor, int domid, String op, String path, String value, List<XenstoreModel.Perm> perms)
            implements Action<XenstoreModel, Store> {

        private XenstoreModel.Result expected(XenstoreModel model, int domid) {
            return switch (op) {
                case "READ" -> model.read(domid, path);
                case "WRITE" -> model.write(domid, path, value);
                case "MKDIR" -> model.mkdir(domid, path);
                case "RM" -> model.rm(domid, path);
                case "DIRECTORY" -> model.directory(domid, path);
                case "GET_PERMS" -> model.getPerms(domid, path);
                default -> model.setPerms(domid, path, perms);
            };
        }

        @Override
        public void run(Store system, XenstoreModel model) throws Exception {
            Actor a = system.actors().get(actor);
            XsClient c = a.client();
            XsMessage reply = switch (op) {
                case "READ" -> c.request(XsdSockmsgType.READ, 0, path);
                case "WRITE" -> c.request(XsdSockmsgType.WRITE.code(), 0,
                        (path + "\0" + value).getBytes(StandardCharsets.ISO_8859_1));
                case "MKDIR" -> c.request(XsdSockmsgType.MKDIR, 0, path);
                case "RM" -> c.request(XsdSockmsgType.RM, 0, path);
                case "DIRECTORY" -> c.request(XsdSockmsgType.DIRECTORY, 0, path);
                case "GET_PERMS" -> c.request(XsdSockmsgType.GET_PERMS, 0, path);
                default -> {
                    List<String> args = new ArrayList<>();
                    args.add(path);
                    perms.forEach(q -> args.add(q.toString()));
                    yield c.request(XsdSockmsgType.SET_PERMS, 0, args.toArray(String[]::new));
                }
            };
            XenstoreModel.Result want = expected(model, domid);
            String got;
            if (reply.isError()) {
                got = reply.text();
            } else {
                got = switch (op) {
                    case "READ" -> reply.value();
                    case "DIRECTORY" -> String.join(",", reply.strings().stream().sorted().toList());
                    case "GET_PERMS" -> String.join(",", reply.strings());
                    default -> reply.text();
                };
            }
            assertEquals((want.error() ? "error " : "") + want.reply(), (reply.isError() ? "error " : "") + got,
                    this + " by " + a);
        }

        @Override
        public XenstoreModel nextModel(XenstoreModel model) {
            return expected(model, domid).next();
        }

        @Override
        public String toString() {
            String args = value != null ? ", \"" + value.replace("\0", "\\0") + "\"" : perms != null ? ", " + perms : "";
            return "actor" + actor + " " + op + "(" + path + args + ")";
        }
    }
}
