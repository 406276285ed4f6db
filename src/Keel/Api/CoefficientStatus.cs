namespace Keel;

/// <summary>The status of one coefficient, as the result contract names it (<c>status</c> in the JSON).</summary>
public enum CoefficientStatus
{
    /// <summary>Identified by the data and estimated.</summary>
    Estimated,

    /// <summary>Baseline level of a treatment-coded factor: estimate 0 by construction.</summary>
    Reference,

    /// <summary>Not identified by the data: a combination of earlier columns. Estimate null.</summary>
    Aliased,

    /// <summary>A penalised estimate.</summary>
    Regularized,

    /// <summary>A level of a poisson or binomial fit whose outcomes are all the same: its estimate is infinite, reported null (SEPARATION warning).</summary>
    Separated,
}
