using ScottPlot;
using SkiaSharp;

namespace Keel.Reporting;

/// <summary>
/// The font of every plot: DejaVu Sans, shipped inside the assembly (Fonts/DejaVuSans.ttf, its
/// licence beside it), so text never silently disappears on a machine without system fonts.
/// ScottPlot finds fonts through a process-wide resolver list; this one answers only to its own
/// name, so it changes nothing for other users of ScottPlot in the process.
/// </summary>
internal sealed class ReportFont : IFontResolver
{
    /// <summary>The name plots ask for.</summary>
    public const string Name = "Keel DejaVu Sans";

    private static readonly Lazy<SKTypeface> Typeface = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Adds the resolver once per process (thread-safe); call before rendering.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                Fonts.FontResolvers.Insert(0, new ReportFont());
                _registered = true;
            }
        }
    }

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == Name ? Typeface.Value : null;

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        fontName == Name ? Typeface.Value : null;

    private static SKTypeface Load()
    {
        using Stream stream = typeof(ReportFont).Assembly.GetManifestResourceStream("Keel.Reporting.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("the embedded font Keel.Reporting.DejaVuSans.ttf is missing from the build");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("the embedded font could not be loaded");
    }
}
