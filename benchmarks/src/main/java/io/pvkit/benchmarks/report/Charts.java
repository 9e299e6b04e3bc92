package io.pvkit.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's PNG charts, drawn with JFreeChart (headless). */
final class Charts {
    /** Percentiles shown in the latency chart and table. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private Charts() {
    }

    /**
     * Throughput against batch size (requests in flight), one line per implementation.
     *
     * @param file where the PNG goes
     * @param series implementation to (batch, M round trips/s) points
     * @throws IOException when the file cannot be written
     */
    static void throughputByBatch(Path file, Map<String, double[][]> series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            for (double[] point : e.getValue()) {
                if (Double.isFinite(point[1])) {
                    s.add(point[0], point[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("In-process ring throughput by batch (64 B requests)",
                "requests in flight (batch)", "completed round trips per µs", data);
        XYPlot plot = chart.getXYPlot();
        LogAxis x = new LogAxis("requests in flight (batch, log scale)");
        x.setBase(2);
        x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));
        x.setNumberFormatOverride(new java.text.DecimalFormat("0"));
        x.setRange(0.8, 40);
        plot.setDomainAxis(x);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
    }

    /**
     * Latency percentiles per series (log scale).
     *
     * @param file where the PNG goes
     * @param title the chart title
     * @param histograms series to histogram in nanoseconds
     * @throws IOException when the file cannot be written
     */
    static void latencyPercentiles(Path file, String title, Map<String, Histogram> histograms) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double max = 100;
        for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
            for (double p : PERCENTILES) {
                long v = Math.max(1, e.getValue().getValueAtPercentile(p));
                max = Math.max(max, v);
                data.addValue(v, e.getKey(), "p" + fmt(p));
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, "percentile", "round trip (ns, log)", data);
        CategoryPlot plot = chart.getCategoryPlot();
        LogAxis y = new LogAxis("round trip (ns, log scale)");
        y.setBase(10);
        y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));
        y.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        y.setRange(10, max * 3);
        plot.setRangeAxis(y);
        ((org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer()).setBase(10);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
    }

    /**
     * A bar chart of pvkit's figures relative to their baselines (1 = the baseline).
     *
     * @param file where the PNG goes
     * @param ratios label to ratio (pvkit over baseline, oriented so that above 1 is better)
     * @throws IOException when the file cannot be written
     */
    static void ratios(Path file, Map<String, Double> ratios) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        ratios.forEach((k, v) -> {
            if (Double.isFinite(v)) {
                data.addValue(v, "pvkit / baseline (higher is better)", k);
            }
        });
        JFreeChart chart = ChartFactory.createBarChart("pvkit against its baselines (same run)", "",
                "speed relative to the baseline (1 = equal)", data);
        chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(
                org.jfree.chart.axis.CategoryLabelPositions.UP_45);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
    }

    static String fmt(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }
}
