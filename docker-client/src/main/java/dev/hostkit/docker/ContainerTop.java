package dev.hostkit.docker;

import java.util.ArrayList;
import java.util.List;

/**
 * The processes running in a container, as {@code GET /containers/{id}/top} (and {@code docker top})
 * reports them: the {@code ps} column titles and one row of cells per process. Immutable.
 *
 * @param titles column titles, e.g. {@code UID}, {@code PID}, {@code PPID}, ..., {@code CMD}
 * @param processes one row per process, cells in the order of {@code titles}
 */
public record ContainerTop(List<String> titles, List<List<String>> processes) {
    /** Copies both lists. */
    public ContainerTop {
        titles = List.copyOf(titles);
        processes = processes.stream().map(List::copyOf).toList();
    }

    /**
     * One column's cells, one per process, e.g. {@code column("PID")}.
     *
     * @throws IllegalArgumentException when there is no such column (the titles are in the message)
     */
    public List<String> column(String title) {
        int i = titles.indexOf(title);
        if (i < 0) {
            throw new IllegalArgumentException("no column " + title + " in " + titles);
        }
        List<String> out = new ArrayList<>(processes.size());
        for (List<String> row : processes) {
            out.add(i < row.size() ? row.get(i) : "");
        }
        return List.copyOf(out);
    }
}
