// FactorsAloneGram: the Gram matrix XᵀX of a row-path design of factors alone ([1 | further levels |
// absorbing levels], RowDesignOperator's columns) and its inverse over the kept columns of the
// treatment-coded design, both from the counts FactorRank formed, never from the rows.
//
// Products: XᵀX has the blocks n (intercept), the level counts n_p and n_a, the co-occurrence counts
//   N of the further levels, the segment counts C (c_a[p]: rows of absorbing level a with further
//   level p) and the diagonal D = diag(n_a); u = XᵀX·v costs q² + 2·nnz(C), not a pass over the rows.
// Inverse: the treatment-coded design X_T = [1 | A without its reference | R_K] is X_F·Q, X_F = [A | R_K]
//   (every absorbing level, the kept further levels) and Q = blockdiag(P, I), P mapping (μ, β) to
//   α_a = μ + β_a (β at the reference 0). So (X_TᵀX_T)⁻¹ = Q⁻¹·(X_FᵀX_F)⁻¹·Q⁻ᵀ, and (X_FᵀX_F)⁻¹ by
//   block elimination of D (Golub & Van Loan 2013, §3.2.11; Guimarães & Portugal 2010):
//     t = z_R − Cᵀ·D⁻¹·z_A,  x_R = S_KK⁻¹·t (S's Cholesky factor, FurtherLevelsFactor),
//     x_A = D⁻¹·(z_A − C·x_R);
//   z = Q⁻ᵀ·g is z_a = g_a (a ≠ ref), z_ref = g_μ − Σ_{a≠ref} g_a, z_R = g_R; back, μ = x_ref and
//   β_a = x_a − x_ref. Exact to rounding (S is factored exactly), so the condition estimate's
//   smallest singular value comes from the inverse, as on the cell path (ConditionEstimate).
// Invariant: every sum runs in a fixed order (segments, then positions ascending) on one thread: the
//   same bits for any thread count.
using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

internal sealed class FactorsAloneGram
{
    private readonly FurtherLevelsFactor _factor;
    private readonly int[] _columnOfPosition;   // design column of each further position
    private readonly int[] _columnOfAbsorbing;  // design column of each absorbing level (segment)
    private readonly int _referenceSegment;
    private readonly double _rows;
    private readonly int[] _keptIndex;          // kept index of each further position, or −1

    /// <param name="design">The rows' design operator (its column layout).</param>
    public FactorsAloneGram(FurtherLevelsFactor factor, RowDesignOperator design, RowColumns rows, int absorbing, int absorbingReference)
    {
        _factor = factor;
        _columnOfPosition = factor.Columns.Select(c => design.LevelColumn(c.Factor, c.Level)).ToArray();
        int segments = factor.SegmentStart.Length - 1;
        _columnOfAbsorbing = Enumerable.Range(0, segments).Select(a => design.LevelColumn(absorbing, a)).ToArray();
        _referenceSegment = absorbingReference;
        _rows = rows.Count;
        _keptIndex = new int[factor.Columns.Count];
        Array.Fill(_keptIndex, -1);
        for (int i = 0; i < factor.Cholesky.Kept.Count; i++)
        {
            _keptIndex[factor.Cholesky.Kept[i]] = i;
        }
    }

    /// <summary>u = XᵀX·v over the design's columns (entries at references and aliased levels are not meaningful and left 0).</summary>
    public bool TryMultiply(ReadOnlySpan<double> v, Span<double> u)
    {
        u.Clear();
        int q = _columnOfPosition.Length;
        int[] together = _factor.Together;
        FactorRank.SegmentCounts counts = _factor.Counts;
        int[] start = _factor.SegmentStart;
        double v0 = v[0];
        double u0 = _rows * v0;
        // Further block: u_p = n_p·v₀ + Σ_p' N[p,p']·v_p', N's upper triangle read once by rows
        // (each entry serves [p,p'] and [p',p]).
        var further = new double[q];
        var vFurther = new double[q];
        for (int p = 0; p < q; p++)
        {
            vFurther[p] = v[_columnOfPosition[p]];
        }

        for (int p = 0; p < q; p++)
        {
            double vp = vFurther[p];
            double s = further[p] + (together[(p * q) + p] * (v0 + vp));
            for (int p2 = p + 1; p2 < q; p2++)
            {
                double n = together[(p * q) + p2];
                s += n * vFurther[p2];
                further[p2] += n * vp;
            }

            further[p] = s;
            u0 += together[(p * q) + p] * vp;
        }

        for (int p = 0; p < q; p++)
        {
            u[_columnOfPosition[p]] = further[p];
        }

        // Absorbing block and the cross terms: u_a = n_a·(v₀ + v_a) + Σ_p c_a[p]·v_p; u_p += Σ_a c_a[p]·v_a.
        for (int a = 0; a < _columnOfAbsorbing.Length; a++)
        {
            double na = start[a + 1] - start[a];
            double va = v[_columnOfAbsorbing[a]];
            double s = na * (v0 + va);
            for (int e = counts.Segments[a].EntryStart; e < counts.Segments[a + 1].EntryStart; e++)
            {
                int column = _columnOfPosition[counts.Entries[e].Position];
                double c = counts.Entries[e].Count;
                s += c * v[column];
                u[column] += c * va;
            }

            u[_columnOfAbsorbing[a]] = s;
            u0 += na * va;
        }

        u[0] = u0;
        return true;
    }

    /// <summary>x = (X_TᵀX_T)⁻¹·g over the treatment-coded kept columns (see the header); 0 elsewhere.</summary>
    public void MultiplyInverse(double[] g, double[] x)
    {
        Array.Clear(x);
        int q = _columnOfPosition.Length;
        int segments = _columnOfAbsorbing.Length;
        FactorRank.SegmentCounts counts = _factor.Counts;
        int[] start = _factor.SegmentStart;
        // z = Q⁻ᵀ·g on the absorbing levels.
        var z = new double[segments];
        double sumOthers = 0;
        for (int a = 0; a < segments; a++)
        {
            if (a != _referenceSegment)
            {
                z[a] = g[_columnOfAbsorbing[a]];
                sumOthers += z[a];
            }
        }

        z[_referenceSegment] = g[0] - sumOthers;
        // t = z_R − Cᵀ·D⁻¹·z_A over the further positions (aliased ones are not read).
        var t = new double[q];
        for (int p = 0; p < q; p++)
        {
            t[p] = _keptIndex[p] >= 0 ? g[_columnOfPosition[p]] : 0.0;
        }

        for (int a = 0; a < segments; a++)
        {
            double scaled = z[a] / (start[a + 1] - start[a]);
            for (int e = counts.Segments[a].EntryStart; e < counts.Segments[a + 1].EntryStart; e++)
            {
                t[counts.Entries[e].Position] -= counts.Entries[e].Count * scaled;
            }
        }

        var kept = new double[_factor.Cholesky.Kept.Count];
        _factor.SolveKeptByRows(t, kept);
        var xR = new double[q];
        for (int p = 0; p < q; p++)
        {
            if (_keptIndex[p] >= 0)
            {
                xR[p] = kept[_keptIndex[p]];
                x[_columnOfPosition[p]] = xR[p];
            }
        }

        // x_A = D⁻¹·(z_A − C·x_R), then μ = x_ref and β_a = x_a − x_ref.
        var xA = new double[segments];
        for (int a = 0; a < segments; a++)
        {
            double s = z[a];
            for (int e = counts.Segments[a].EntryStart; e < counts.Segments[a + 1].EntryStart; e++)
            {
                s -= counts.Entries[e].Count * xR[counts.Entries[e].Position];
            }

            xA[a] = s / (start[a + 1] - start[a]);
        }

        double reference = xA[_referenceSegment];
        x[0] = reference;
        for (int a = 0; a < segments; a++)
        {
            x[_columnOfAbsorbing[a]] = a == _referenceSegment ? 0.0 : xA[a] - reference;
        }
    }
}
