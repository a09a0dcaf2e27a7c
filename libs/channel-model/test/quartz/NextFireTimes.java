/*
 * The reference side of the differential Quartz fixture: for each case of cases.tsv (time zone,
 * start instant, expression, tab-separated), Quartz 2.3.2's own CronExpression computes the next
 * five fire times strictly after the start (getTimeAfter, chained), or the error it raises while
 * parsing or evaluating. Prints the fixture as JSON on stdout.
 *
 * Run with Java 17 as a single-file program: java -cp '.cache/*' NextFireTimes.java cases.tsv
 */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import org.quartz.CronExpression;

public class NextFireTimes {
  static final int FIRES = 5;

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] f = line.split("\t");
      if (f.length != 3) throw new IllegalArgumentException("want zone<TAB>start<TAB>expression: " + line);
      String zone = f[0], start = f[1], expression = f[2];
      StringBuilder entry = new StringBuilder();
      entry.append("{\"zone\":").append(json(zone))
          .append(",\"start\":").append(json(start))
          .append(",\"expression\":").append(json(expression));
      try {
        CronExpression cron = new CronExpression(expression);
        TimeZone tz = TimeZone.getTimeZone(zone);
        if (!tz.getID().equals(zone)) throw new IllegalArgumentException("unknown zone " + zone);
        cron.setTimeZone(tz);
        List<String> fires = new ArrayList<>();
        Date after = Date.from(Instant.parse(start));
        for (int i = 0; i < FIRES; i++) {
          Date next = cron.getTimeAfter(after);
          if (next == null) break;
          fires.add(json(next.toInstant().toString()));
          after = next;
        }
        entry.append(",\"next\":[").append(String.join(",", fires)).append("]");
      } catch (Exception e) {
        entry.append(",\"error\":").append(json(e.getClass().getSimpleName() + ": " + e.getMessage()));
      }
      out.add(entry.append("}").toString());
    }
    System.out.println("{\n\"generator\":\"org.quartz-scheduler:quartz:2.3.2 CronExpression.getTimeAfter, "
        + System.getProperty("java.vendor") + " " + System.getProperty("java.version") + "\",\n\"cases\":[\n"
        + String.join(",\n", out) + "\n]}");
  }
}
