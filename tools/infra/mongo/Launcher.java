// Minimal launcher for mongo-java-server. provision-mongo.sh precompiles it; it also runs as a
// single-file source program:  java -cp 'jars/*' Launcher.java <port> <memory|h2> [h2file]
// With -Dlauncher.exitOnStdinEof=true it exits when stdin reaches EOF, i.e. when the parent that
// holds the other end of the pipe dies, even by SIGKILL, so no orphaned JVM outlives a test run.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

public class Launcher {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: Launcher <port> <memory|h2> [h2file]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String kind = args[1];
        MongoBackend backend;
        switch (kind) {
            case "memory":
                backend = new MemoryBackend();
                break;
            case "h2":
                if (args.length < 3) {
                    System.err.println("h2 backend needs a file path");
                    System.exit(2);
                }
                backend = new H2Backend(args[2]);
                break;
            default:
                System.err.println("unknown backend: " + kind);
                System.exit(2);
                return;
        }
        // Its newest built-in version (MONGO_5_0) advertises wire version 8, but the Node driver 7.x
        // (mongoose 9) refuses anything below 9. The version is only used for reporting (hello/buildInfo),
        // so advertise the lowest one the driver accepts: MongoDB 4.4 / wire 9. That keeps the driver
        // from switching on features gated behind newer servers that this server would not implement.
        backend.version(new MongoVersion() {
            @Override
            public List<Integer> getVersionArray() {
                return List.of(4, 4, 0);
            }

            @Override
            public int getWireVersion() {
                return 9;
            }
        });
        MongoServer server = new MongoServer(backend);
        // Clean shutdown on SIGTERM so the H2 store is flushed and closed properly.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown();
            } finally {
                backend.close();
            }
        }, "mongo-shutdown"));
        // Loopback unless told otherwise: a container publishing the port needs -Dlauncher.host=0.0.0.0.
        String host = System.getProperty("launcher.host", "127.0.0.1");
        server.bind(host, port);
        if (Boolean.getBoolean("launcher.exitOnStdinEof")) {
            Thread watchdog = new Thread(() -> {
                try {
                    while (System.in.read() != -1) {
                        // Input is ignored; only EOF matters.
                    }
                } catch (java.io.IOException ignored) {
                    // A broken pipe means the parent is gone, same as EOF.
                }
                System.err.println("stdin closed, shutting down");
                System.exit(0); // runs the shutdown hook, so the H2 store is closed cleanly
            }, "stdin-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        System.out.println("READY " + kind + " mongodb://" + host + ":" + port + "/");
        System.out.flush();
    }
}
