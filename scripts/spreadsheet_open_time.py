#!/usr/bin/python3
"""How long LibreOffice Calc takes to open a gradient log, as CSV and as .xlsx (issue #15).

Usage (python-uno lives in Debian's python3, not in a virtualenv's):

    /usr/bin/python3 scripts/spreadsheet_open_time.py [--repeat 3] [--locale en-US]
        [--check | --convert] FILE.csv FILE.xlsx ...

For every trial a fresh `soffice.bin --headless` is started (its own throw-away user
profile, so no trial warms the next), the document is loaded with
`loadComponentFromURL(..., Hidden=True)` and only that call is timed; then the soffice
process's peak resident memory (VmHWM in /proc/PID/status, which includes the empty
office's own ~150-250 MB) and its CPU seconds are read, the document is closed and the
office terminated. The "RSS grown by the load" column is VmRSS after the load minus
before it: the document's own share, which the peak can hide when the office's start-up
peak is higher. The files are loaded in the order given, round after round, so the CSV
and the xlsx trials interleave; the medians of the rounds are printed at the end.

A .csv is loaded with the "Text - txt - csv (StarCalc)" filter: comma separator, double
quote, UTF-8, from line 1, and the language given by --locale (en-US = 1033: the numbers
are numbers; de-DE = 1031: the locale trap of issue #15). An .xlsx is loaded with its own
filter and no options: a workbook has no import dialog and no locale.

--convert times `soffice --headless --convert-to` instead (CSV to xlsx, xlsx to CSV:
load + save, one reused warm profile), with the wall and CPU seconds and peak RSS that
/usr/bin/time reports (apt-get install time).

--check also reports, for each file: the sheets and their used rows, how many cells of
the first 200 data rows are numbers and how many text per column, whether the sheet has
an autofilter and a frozen header row (xlsx), and how many numeric cells of those rows
differ from the CSV beside the file (same name, .csv) parsed with Python's float().
"""

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE_BIN = "/usr/lib/libreoffice/program/soffice.bin"
LANGUAGES = {"en-US": 1033, "de-DE": 1031}
CHECK_ROWS = 200


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


class Office:
    """One headless soffice.bin with its own profile, reached over a named pipe."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="lo-open-time-")
        self.pipe = "lo_open_time_%d" % os.getpid()
        self.proc = self.start()
        if self.proc.wait() == 81:
            # A new profile: soffice.bin sets it up and exits 81 ("restart me"), which
            # the soffice wrapper script would do; start it again.
            self.proc = self.start()
        else:
            raise RuntimeError("soffice.bin exited %d" % self.proc.returncode)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe
        deadline = time.monotonic() + 120
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except NoConnectException:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("soffice did not start")
                time.sleep(0.2)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx
        )

    def start(self):
        return subprocess.Popen(
            [
                SOFFICE_BIN,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                "-env:UserInstallation=file://" + self.profile,
                "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def memory_mb(self, field):
        """VmHWM (peak resident memory so far) or VmRSS (resident now) of soffice.bin."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no " + field)

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def load(self, path, language):
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        args = [prop("Hidden", True), prop("ReadOnly", True)]
        if path.endswith(".csv"):
            # Tokens: separator 44 (,), text delimiter 34 ("), charset 76 (UTF-8),
            # first line 1, column formats (none: standard), language, quoted field as
            # text false, detect special numbers false (the dialog's defaults).
            options = "44,34,76,1,,%d,false,false" % LANGUAGES[language]
            args += [
                prop("FilterName", "Text - txt - csv (StarCalc)"),
                prop("FilterOptions", options),
            ]
        return self.desktop.loadComponentFromURL(url, "_blank", 0, tuple(args))

    def close(self):
        try:
            self.desktop.terminate()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def trial(path, language, check):
    office = Office()
    try:
        rss_before = office.memory_mb("VmRSS")
        cpu_before = office.cpu_seconds()
        start = time.perf_counter()
        doc = office.load(path, language)
        seconds = time.perf_counter() - start
        if doc is None:
            raise RuntimeError("%s: LibreOffice did not load it" % path)
        cpu = office.cpu_seconds() - cpu_before
        peak = office.memory_mb("VmHWM")
        rss = office.memory_mb("VmRSS")
        if check:
            report_check(doc, path)
        doc.close(True)
        return seconds, cpu, peak, rss - rss_before
    finally:
        office.close()


def report_check(doc, path):
    # UNO enums are not hashable: compare their names.
    kind_of = {"VALUE": "number", "TEXT": "text", "EMPTY": "empty"}

    sheets = doc.Sheets
    print("  check %s (%s):" % (path, type_name(path)))
    for i in range(sheets.Count):
        sheet = sheets.getByIndex(i)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        addr = cursor.RangeAddress
        print(
            "    sheet %d %r: used rows %d, columns %d"
            % (i + 1, sheet.Name, addr.EndRow + 1, addr.EndColumn + 1)
        )
    sheet = sheets.getByIndex(0)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    ncols = cursor.RangeAddress.EndColumn + 1
    header = [sheet.getCellByPosition(c, 0).String for c in range(ncols)]
    nrows = min(CHECK_ROWS, cursor.RangeAddress.EndRow)
    counts = []
    for c in range(ncols):
        kinds = {"number": 0, "text": 0, "empty": 0, "formula": 0}
        for r in range(1, nrows + 1):
            t = sheet.getCellByPosition(c, r).Type.value
            kinds[kind_of.get(t, "formula")] += 1
        counts.append(kinds)
    print("    header: %s" % ",".join(header))
    print(
        "    cell types of data rows 1..%d per column (number/text/empty): %s"
        % (
            nrows,
            " ".join(
                "%s=%d/%d/%d" % (h, k["number"], k["text"], k["empty"])
                for h, k in zip(header, counts)
            ),
        )
    )
    samples = []
    for c in (0, 4, 7, 12):
        if c < ncols:
            cell = sheet.getCellByPosition(c, 1)
            samples.append("%s: type %s, value %r, string %r" % (header[c], cell.Type.value, cell.Value, cell.String))
    print("    row 2: " + "; ".join(samples))
    for i in range(sheets.Count):
        report_filter_and_panes(doc, i)
    widths = [sheet.Columns.getByIndex(c).Width / 100 for c in range(ncols)]
    print("    column widths (mm): %s" % " ".join("%.1f" % w for w in widths))
    # Values against the CSV's text parsed as doubles: the first rows of every sheet,
    # sheet k continuing the CSV where sheet k - 1 ended (the xlsx's "gradients 2", ...).
    csv_path = os.path.splitext(path)[0] + ".csv"
    if os.path.exists(csv_path):
        compared = differ = mismatch_type = 0
        first = None
        with open(csv_path, newline="") as f:
            reader = csv.reader(f)
            next(reader)
            csv_row = 0  # data rows of the CSV consumed so far
            sheet_start = 0  # CSV data row at which the current sheet starts
            for i in range(sheets.Count):
                sh = sheets.getByIndex(i)
                cur = sh.createCursor()
                cur.gotoEndOfUsedArea(False)
                data_rows = cur.RangeAddress.EndRow  # the header is row 0
                for r in range(1, min(CHECK_ROWS, data_rows) + 1):
                    while csv_row < sheet_start + r:
                        row = next(reader)
                        csv_row += 1
                    for c, text in enumerate(row):
                        try:
                            want = float(text)
                        except ValueError:
                            continue
                        cell = sh.getCellByPosition(c, r)
                        if cell.Type.value != "VALUE":
                            mismatch_type += 1
                            continue
                        compared += 1
                        if cell.Value != want:
                            differ += 1
                            if first is None:
                                first = (sh.Name, r + 1, header[c], text, repr(cell.Value))
                sheet_start += data_rows
        print(
            "    against %s (first %d rows of each sheet): %d numeric cells compared, "
            "%d differ from float(text), %d not numbers%s"
            % (
                csv_path,
                CHECK_ROWS,
                compared,
                differ,
                mismatch_type,
                "" if first is None else "; first: sheet %r row %d %s csv %s sheet %s" % first,
            )
        )


def convert(path, language, outdir, profile):
    """soffice --convert-to the other format (load + save), under /usr/bin/time.

    Returns wall seconds, CPU seconds and the peak resident memory (MB) of the biggest
    process (soffice.bin), as /usr/bin/time reports them."""
    if path.endswith(".csv"):
        target = ["--convert-to", "xlsx", "--infilter=Text - txt - csv (StarCalc):44,34,76,1,,%d" % LANGUAGES[language]]
    else:
        target = ["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1"]
    out = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %U %S %M", "/usr/lib/libreoffice/program/soffice",
         "-env:UserInstallation=file://" + profile, "--headless", "--norestore", "--nolockcheck"]
        + target + ["--outdir", outdir, path],
        capture_output=True,
        text=True,
    )
    line = [l for l in out.stderr.splitlines() if l.startswith("TIME ")]
    if out.returncode != 0 or not line:
        raise RuntimeError("%s: soffice --convert-to failed: %s" % (path, out.stderr))
    wall, user, system, rss_kb = line[-1].split()[1:]
    return float(wall), float(user) + float(system), int(rss_kb) / 1024


def convert_rounds(files, repeat, language):
    """The --convert view: each file converted to the other format, rounds interleaved."""
    outdir = tempfile.mkdtemp(prefix="lo-convert-out-")
    profile = tempfile.mkdtemp(prefix="lo-convert-profile-")
    try:
        # A first start sets the profile up (and restarts itself): not timed.
        convert(files[0], language, outdir, profile)
        results = {f: [] for f in files}
        for rnd in range(repeat):
            for path in files:
                r = convert(path, language, outdir, profile)
                results[path].append(r)
                print(
                    "round %d convert %-32s %7.2f s  cpu %7.2f s  peak RSS %6.0f MB"
                    % ((rnd + 1, path) + r),
                    flush=True,
                )
        print()
        print("| file | converted to | load + save s (median) | CPU s (median) | peak RSS MB (median) | runs (s) |")
        print("|---|---|---:|---:|---:|---|")
        for path, rs in results.items():
            print(
                "| %s | %s | %.2f | %.2f | %.0f | %s |"
                % (
                    os.path.basename(path),
                    "xlsx" if path.endswith(".csv") else "csv",
                    statistics.median(r[0] for r in rs),
                    statistics.median(r[1] for r in rs),
                    statistics.median(r[2] for r in rs),
                    ", ".join("%.2f" % r[0] for r in rs),
                )
            )
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


def report_filter_and_panes(doc, index):
    """Whether sheet `index` has an autofilter and a frozen header row, as UNO tells."""
    sheet = doc.Sheets.getByIndex(index)
    # The xlsx import turns a sheet's autoFilter into the sheet's unnamed database range
    # with AutoFilter on.
    try:
        udr = doc.getPropertyValue("UnnamedDatabaseRanges")
        if udr.hasByTable(index):
            r = udr.getByTable(index)
            a = r.DataArea
            filt = "AutoFilter=%s on rows %d..%d, columns %d..%d" % (
                r.AutoFilter, a.StartRow + 1, a.EndRow + 1, a.StartColumn + 1, a.EndColumn + 1
            )
        else:
            filt = "no autofilter (no unnamed database range)"
    except Exception as e:  # noqa: BLE001 - report what UNO says
        filt = "autofilter: UNO says %r" % (e,)
    try:
        ctrl = doc.getCurrentController()
        ctrl.setActiveSheet(sheet)
        panes = "frozen panes %s (split row %s, column %s)" % (
            ctrl.hasFrozenPanes(), ctrl.getSplitRow(), ctrl.getSplitColumn()
        )
    except Exception as e:  # noqa: BLE001
        panes = "frozen panes: UNO says %r" % (e,)
    print("    sheet %d %r: %s; %s" % (index + 1, sheet.Name, filt, panes))


def type_name(path):
    return "xlsx" if path.endswith(".xlsx") else "csv"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--locale", choices=sorted(LANGUAGES), default="en-US")
    ap.add_argument("--check", action="store_true", help="report cell types, filter, panes (first round only)")
    ap.add_argument(
        "--convert",
        action="store_true",
        help="time `soffice --headless --convert-to` to the other format (load + save) instead",
    )
    args = ap.parse_args()

    print("LibreOffice:", subprocess.run(
        ["/usr/lib/libreoffice/program/soffice", "--version"], capture_output=True, text=True
    ).stdout.strip())
    print("load average before:", open("/proc/loadavg").read().strip())
    if args.convert:
        convert_rounds(args.files, args.repeat, args.locale)
        print("load average after:", open("/proc/loadavg").read().strip())
        return
    results = {f: [] for f in args.files}
    for rnd in range(args.repeat):
        for path in args.files:
            seconds, cpu, peak, grown = trial(path, args.locale, args.check and rnd == 0)
            results[path].append((seconds, cpu, peak, grown))
            print(
                "round %d %-40s open %7.2f s  cpu %7.2f s  peak RSS %6.0f MB  RSS grown by the load %6.0f MB"
                % (rnd + 1, path, seconds, cpu, peak, grown),
                flush=True,
            )
    print("load average after:", open("/proc/loadavg").read().strip())
    print()
    print(
        "| file | size MB | rows | open s (median) | CPU s (median) | peak RSS MB (median) "
        "| RSS grown by the load MB (median) | runs (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for path, rs in results.items():
        size = os.path.getsize(path) / 1e6
        rows = csv_rows(path)
        print(
            "| %s | %.1f | %s | %.2f | %.2f | %.0f | %.0f | %s |"
            % (
                os.path.basename(path),
                size,
                rows,
                statistics.median(r[0] for r in rs),
                statistics.median(r[1] for r in rs),
                statistics.median(r[2] for r in rs),
                statistics.median(r[3] for r in rs),
                ", ".join("%.2f" % r[0] for r in rs),
            )
        )


def csv_rows(path):
    csv_path = os.path.splitext(path)[0] + ".csv"
    if not os.path.exists(csv_path):
        return "?"
    with open(csv_path, "rb") as f:
        return "{:,}".format(sum(1 for _ in f) - 1)


if __name__ == "__main__":
    sys.exit(main())
