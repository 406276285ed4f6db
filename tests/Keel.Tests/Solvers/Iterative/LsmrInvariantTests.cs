// Invariants of an LSMR run that hold whatever the data: every reported norm agrees with the
// one recomputed from the returned solution (to the rounding budget derived in LsmrOracle), the
// ‖A‖ and cond(A) estimates are lower bounds, the run is bit-reproducible, and progress reports
// and the ‖Aᵀr‖ history match the iterations.

using Keel.LinearAlgebra;
using Keel.Solvers.Iterative;
using MathNet.Numerics.LinearAlgebra;
using static Keel.Tests.Solvers.Iterative.LsmrOracle;

namespace Keel.Tests.Solvers.Iterative;

public class LsmrInvariantTests
{
    public static TheoryData<string, int, double> Cases => new()
    {
        { "dense", int.MaxValue, 0.0 },
        { "dense", 3, 0.0 },
        { "dense", int.MaxValue, 0.7 },
        { "one-hot", int.MaxValue, 0.0 },
        { "one-hot", 5, 0.0 },
        { "one-hot", int.MaxValue, 2.0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_reported_norm_is_recomputed_from_the_solution(string kind, int maxIterations, double damp)
    {
        var (op, a, b) = Problem(kind);
        var options = LsmrOptions.Default with { MaxIterations = maxIterations, Damp = damp };

        var result = Lsmr.Solve(op, b.ToArray(), options);

        var x = Solution(result);
        var (sigmaMax, _, _) = Singular(a);
        double slackR = ResidualSlack(sigmaMax, b.L2Norm(), x.L2Norm());
        var (trueR, trueAR) = TrueNorms(a, b, x, damp);
        TestSupport.Numeric.AssertClose(trueR, result.NormR, rel: 0, abs: slackR, what: "NormR vs ‖[b − Ax; −λx]‖");
        TestSupport.Numeric.AssertClose(trueAR, result.NormAR, rel: 0, abs: sigmaMax * slackR, what: "NormAR vs ‖Aᵀr − λ²x‖");
        // NormX is a reduction over x itself: only the summation order may differ from MathNet's.
        TestSupport.Numeric.AssertClose(x.L2Norm(), result.NormX, rel: 4 * a.ColumnCount * TestSupport.Numeric.Eps, what: "NormX");
    }

    [Fact]
    public void Norm_estimate_is_a_lower_bound_while_the_Lanczos_vectors_stay_orthogonal()
    {
        // B_k = U_{k+1}ᵀ A V_k with orthonormal U, V gives ‖B_k‖_F ≤ ‖A‖_F — in exact arithmetic. In
        // floating point, once orthogonality is lost (ghost singular values), ‖B_k‖_F keeps growing
        // and can exceed ‖A‖_F (by a third on the one-hot case below): so test a short run only.
        var (op, a, b) = Problem("dense");

        var result = Lsmr.Solve(op, b.ToArray(), LsmrOptions.Default with { MaxIterations = 3 });

        Assert.InRange(result.NormA, 0.0, a.FrobeniusNorm());
    }

    [Fact]
    public void Condition_estimate_is_a_lower_bound()
    {
        // The estimate is max/min of |diag R̄_k|; a triangular matrix's diagonal lies within its
        // singular values, and those of R̄_k (Ritz values of A) within [σ_min(A), σ_max(A)].
        var (op, a, b) = Problem("one-hot");
        var (sigmaMax, sigmaMin, _) = Singular(a);

        var result = Lsmr.Solve(op, b.ToArray(), LsmrOptions.Default);

        double margin = 1 + (RoundingBudget * TestSupport.Numeric.Eps);
        Assert.InRange(result.CondA, 1.0, sigmaMax / sigmaMin * margin);
    }

    [Fact]
    public void Two_runs_give_bit_identical_results()
    {
        var (op, _, b) = Problem("one-hot");
        var options = LsmrOptions.Default with { Damp = 0.3 };

        var first = Lsmr.Solve(op, b.ToArray(), options);
        var second = Lsmr.Solve(op, b.ToArray(), options);

        Assert.Equal(first.StopReason, second.StopReason);
        Assert.Equal(first.Iterations, second.Iterations);
        Assert.Equal(Bits(first.Solution), Bits(second.Solution));
        Assert.Equal(Bits(first.NormARByIteration), Bits(second.NormARByIteration));
        double[] Scalars(LsmrResult r) => [r.NormR, r.NormAR, r.NormA, r.CondA, r.NormX];
        Assert.Equal(Bits(Scalars(first)), Bits(Scalars(second)));
    }

    [Fact]
    public void Progress_reports_each_iteration_and_the_history_matches()
    {
        var (op, _, b) = Problem("dense");
        var reports = new List<LsmrProgress>();

        var result = Lsmr.Solve(op, b.ToArray(), LsmrOptions.Default, progress: new Collect(reports));

        Assert.Equal(Enumerable.Range(1, result.Iterations), reports.Select(p => p.Iteration));
        Assert.Equal(result.NormARByIteration, reports.Select(p => p.NormAR));
        Assert.Equal(result.NormAR, result.NormARByIteration[^1]);
        Assert.Equal(result.NormR, reports[^1].NormR);
        Assert.Equal(result.NormX, reports[^1].NormX);
    }

    [Fact]
    public void A_cancelled_token_stops_the_run()
    {
        var (op, _, b) = Problem("dense");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => Lsmr.Solve(op, b.ToArray(), LsmrOptions.Default, cancelled.Token));
    }

    private static (ILinearOperator Op, Matrix<double> A, Vector<double> B) Problem(string kind)
    {
        if (kind == "dense")
        {
            var dense = RandomMatrix(61, 70, 9);
            return (DenseOperator.From(dense), dense, RandomVector(62, 70));
        }

        var design = OneHotDesign.Random(63, 400, [15, 8, 3], Coding.Treatment);
        return (design, design.ToMatrix(), RandomVector(64, 400));
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>Synchronous observer (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class Collect(List<LsmrProgress> reports) : IProgress<LsmrProgress>
    {
        public void Report(LsmrProgress value) => reports.Add(value);
    }
}
