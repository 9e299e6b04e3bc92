package io.pvkit.benchmarks.report;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the library's JMH benchmarks (each with its baseline) through JMH's {@link Runner}, with the GC profiler
 * ({@code -prof gc}) so that every figure carries its allocation per operation.
 */
final class JmhSuite {
    /** The benchmarks of the report, as JMH include patterns. */
    static final String[] INCLUDES = {
        "io.pvkit.benchmarks.ring.RingPingPongBenchmark",
        "io.pvkit.benchmarks.ring.RingThroughputBenchmark",
        "io.pvkit.benchmarks.ring.RingPushPollBenchmark",
        "io.pvkit.benchmarks.evtchn.EventSendHypercallBenchmark",
        "io.pvkit.benchmarks.evtchn.EventChannelThroughputBenchmark.(sendAndDemux|sendCoalesced|baselineAtomicOr)",
        "io.pvkit.benchmarks.evtchn.EventChannelLatencyBenchmark",
        "io.pvkit.benchmarks.evtchn.EventSendScalingBenchmark",
        "io.pvkit.benchmarks.hypervisor.HypercallDispatchBenchmark",
        "io.pvkit.benchmarks.jfr.JfrOffBenchmark",
        "io.pvkit.benchmarks.grant.GrantMapBenchmark",
        "io.pvkit.benchmarks.grant.GrantCopyBenchmark",
        "io.pvkit.benchmarks.grant.GrantMapConcurrentBenchmark",
        "io.pvkit.benchmarks.block.BlockIoBenchmark",
        "io.pvkit.benchmarks.block.Dom0GrantCopyBenchmark",
    };

    /** One JMH figure. */
    record Figure(double score, double error, String unit) {
    }

    private JmhSuite() {
    }

    /**
     * Runs the suite.
     *
     * @param quick short iterations (the whole suite in about two minutes)
     * @param json where JMH writes its raw JSON results
     * @return figures by key: {@code Class.method} (single-thread) or {@code Class.group:method} (groups, and
     *     secondary metrics such as {@code :completed} or {@code :gc.alloc.rate.norm}), params appended as
     *     {@code [name=value]}
     * @throws RunnerException when JMH fails
     */
    static Map<String, Figure> run(boolean quick, Path json) throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .forks(1)
                .warmupIterations(quick ? 2 : 3)
                .warmupTime(quick ? TimeValue.milliseconds(400) : TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 5)
                .measurementTime(quick ? TimeValue.milliseconds(400) : TimeValue.seconds(1))
                .param("vcpuWait", "spin")
                .param("bytes", "4096")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(false)
                .result(json.toString())
                .resultFormat(ResultFormatType.JSON);
        for (String include : INCLUDES) {
            b.include(include);
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        Map<String, Figure> out = new TreeMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            String simple = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            StringBuilder params = new StringBuilder();
            for (String key : r.getParams().getParamsKeys()) {
                params.append('[').append(key).append('=').append(r.getParams().getParam(key)).append(']');
            }
            Result<?> primary = r.getPrimaryResult();
            out.put(simple + params, new Figure(primary.getScore(), primary.getScoreError(), primary.getScoreUnit()));
            Map<String, Result> secondary = new LinkedHashMap<>(r.getSecondaryResults());
            for (Map.Entry<String, Result> e : secondary.entrySet()) {
                Result<?> s = e.getValue();
                out.put(simple + ":" + e.getKey() + params, new Figure(s.getScore(), s.getScoreError(), s.getScoreUnit()));
            }
        }
        return out;
    }
}
