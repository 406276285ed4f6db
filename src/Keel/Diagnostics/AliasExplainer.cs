using System.Globalization;
using System.Text;

namespace Keel.Diagnostics;

/// <summary>
/// Says in words what an aliased coefficient depends on: "region[R3] = city[C012] + city[C044]"
/// (the result's summary over all of them is Results/AliasWarning).
/// </summary>
internal static class AliasExplainer
{
    private const int MaxPartnersShown = 8;

    public static string Explain(string name, IReadOnlyList<(string Name, double Coefficient)> partners)
    {
        if (partners.Count == 0)
        {
            return $"{name} is zero in every row used (no data for it)";
        }

        var text = new StringBuilder(name).Append(" =");
        for (int i = 0; i < partners.Count && i < MaxPartnersShown; i++)
        {
            (string partner, double k) = partners[i];
            text.Append(i == 0 ? (k < 0 ? " -" : " ") : (k < 0 ? " - " : " + "));
            double a = Math.Abs(k);
            if (Math.Abs(a - Math.Round(a)) > 1e-9 || Math.Round(a) != 1)
            {
                text.Append(a.ToString("0.######", CultureInfo.InvariantCulture)).Append('·');
            }

            text.Append(partner);
        }

        if (partners.Count > MaxPartnersShown)
        {
            text.Append(CultureInfo.InvariantCulture, $" + ... ({partners.Count - MaxPartnersShown} more)");
        }

        return text.ToString();
    }
}
