// GlmFamily: the exponential families Keel fits by maximum likelihood, each with its canonical link.
//
// Reference: McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed., §2.2 (families and
//   canonical links), §2.5 (IRLS), §2.3 (deviance); R's family objects (poisson(), binomial()) for
//   the starting values and the deviance residuals, so that a fit here equals R's glm.
// Objective, per row i with prior weight w_i and linear predictor η = x'β:
//   poisson (log link, μ = e^η):       ℓ = Σ w_i (y_i η_i − e^{η_i})               (y ≥ 0)
//   binomial (logit link, μ = 1/(1+e^−η)): ℓ = Σ w_i (y_i η_i − log(1 + e^{η_i}))  (0 ≤ y ≤ 1, w = trials)
// On cells: rows of a cell share x, so ℓ depends on them only through W = Σw and S = Σwy:
//   the cell is one observation with prior weight W and response ȳ = S/W, and the cell fit is the row fit.
// Reproducibility: only +, −, ×, / and Keel's own Exp/Log (correctly rounded), never Math.Exp/Log.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Glm;

/// <summary>The likelihood a fit maximises: R's glm family names.</summary>
internal enum GlmFamily
{
    /// <summary>Least squares (identity link): Keel's ordinary path.</summary>
    Gaussian,

    /// <summary>Poisson (pseudo-)likelihood with the log link: counts, or any non-negative amount (PPML).</summary>
    Poisson,

    /// <summary>Binomial likelihood with the logit link: 0/1 targets, or proportions with the weights as trials.</summary>
    Binomial,
}

/// <summary>Link, variance, deviance and starting values of a family on cells (see the file header).</summary>
internal static class GlmFamilies
{
    /// <summary>The family's name as R and the result write it.</summary>
    public static string Name(GlmFamily family) => family.ToString().ToLowerInvariant();

    /// <summary>The canonical link's name.</summary>
    public static string Link(GlmFamily family) => family switch
    {
        GlmFamily.Poisson => "log",
        GlmFamily.Binomial => "logit",
        _ => "identity",
    };

    /// <summary>μ = g⁻¹(η).</summary>
    public static double Mean(GlmFamily family, double eta) => family switch
    {
        GlmFamily.Poisson => ElementaryFunctions.Exp(eta),
        // 1/(1 + e^−η), the form that neither overflows nor loses μ near 0 (e^−η → ∞ gives 0).
        GlmFamily.Binomial => 1.0 / (1.0 + ElementaryFunctions.Exp(-eta)),
        _ => eta,
    };

    /// <summary>η = g(μ).</summary>
    public static double LinearPredictor(GlmFamily family, double mu) => family switch
    {
        GlmFamily.Poisson => ElementaryFunctions.Log(mu),
        GlmFamily.Binomial => ElementaryFunctions.Log(mu / (1.0 - mu)),
        _ => mu,
    };

    /// <summary>V(μ); for a canonical link also dμ/dη, so the IRLS weight is W·V(μ).</summary>
    public static double Variance(GlmFamily family, double mu) => family switch
    {
        GlmFamily.Poisson => mu,
        GlmFamily.Binomial => mu * (1.0 - mu),
        _ => 1.0,
    };

    /// <summary>R's mustart: poisson ȳ + 0.1; binomial (W·ȳ + 0.5)/(W + 1) (binomial()$initialize).</summary>
    public static double StartingMean(GlmFamily family, double mean, double weight) => family switch
    {
        GlmFamily.Poisson => mean + 0.1,
        GlmFamily.Binomial => ((weight * mean) + 0.5) / (weight + 1.0),
        _ => mean,
    };

    /// <summary>
    /// The deviance of one cell treated as one observation with prior weight W and response ȳ
    /// (R's dev.resids summed): poisson 2W(ȳ log(ȳ/μ) − (ȳ − μ)); binomial
    /// 2W(ȳ log(ȳ/μ) + (1 − ȳ) log((1 − ȳ)/(1 − μ))), with 0·log 0 = 0.
    /// </summary>
    public static double CellDeviance(GlmFamily family, double mean, double weight, double mu) => family switch
    {
        GlmFamily.Poisson => 2 * weight * (XLogXOverY(mean, mu) - (mean - mu)),
        GlmFamily.Binomial => 2 * weight * (XLogXOverY(mean, mu) + XLogXOverY(1.0 - mean, 1.0 - mu)),
        _ => weight * (mean - mu) * (mean - mu),
    };

    /// <summary>
    /// −2·log-likelihood of a binomial cell whose rows are all 0 or 1 (their saturated likelihood is 1,
    /// so this is the rows' deviance): −2(S log μ + (W − S) log(1 − μ)).
    /// </summary>
    public static double BernoulliCellDeviance(double sumWy, double weight, double mu) =>
        -2 * ((sumWy > 0 ? sumWy * ElementaryFunctions.Log(mu) : 0.0) + (weight - sumWy > 0 ? (weight - sumWy) * ElementaryFunctions.Log(1.0 - mu) : 0.0));

    // x·log(x/y) with 0·log 0 = 0.
    private static double XLogXOverY(double x, double y) => x > 0 ? x * ElementaryFunctions.Log(x / y) : 0.0;
}
