// Expansion of a formula's syntax tree into its list of terms (R's model-formula algebra,
// Chambers & Hastie 1992, sec. 2.3; R's src/library/stats/src/model.c implements the same).
//
//   A + B     terms of A, then the terms of B not already present
//   A - B     terms of A without those of B (terms of B that are absent are ignored)
//   A : B     every term of A joined with every term of B, A's terms outermost;
//             a factor shared by both appears once (a:a is a)
//   A * B * C every non-empty subset of the operands, smaller subsets first, subsets of one
//             size in lexicographic order of the operands: A, B, C, A:B, A:C, B:C, A:B:C
//   1, 0      intercept on / off as a summand; '- 1' turns it off, '- 0' on; the last wins
//
// Invariant: every list of terms built here is free of duplicates and keeps first-occurrence
// order. Unlike R, terms are not reordered by degree afterwards. Cost: linear in the number of
// terms produced, which MaxTerms bounds before any list is built.
namespace Keel.Model;

internal static class FormulaExpansion
{
    /// <summary>
    /// Far above any model written by hand; stops a*b*c*... (2^n - 1 terms) from exhausting
    /// memory before the user hears about it.
    /// </summary>
    internal const int MaxTerms = 10_000;

    /// <summary>The terms so far and the intercept setting; null when the operand says nothing about the intercept.</summary>
    private sealed record TermList(IReadOnlyList<Term> Terms, bool? Intercept, int InterceptPosition);

    public static Formula Expand(FormulaSyntax syntax, string text)
    {
        (FormulaNode withoutOffset, Offset? offset) = SplitOffset(syntax.RightSide, text);
        if (offset is not null && string.Equals(offset.Column, syntax.Response.Column, StringComparison.Ordinal))
        {
            throw FormulaErrors.ResponseAsRegressor(text, syntax.RightSide.Position, syntax.Response.Column);
        }

        syntax = syntax with { RightSide = withoutOffset };
        var referenceByColumn = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckFactors(syntax.RightSide, syntax.Response, referenceByColumn, text);
        var expansion = new Expander(text, referenceByColumn);
        TermList rightSide = expansion.Evaluate(syntax.RightSide);
        bool hasIntercept = rightSide.Intercept ?? true;
        if (rightSide.Terms.Count == 0 && !hasIntercept)
        {
            throw FormulaErrors.NoTermsNoIntercept(text, syntax.RightSide.Position);
        }
        return new Formula(syntax.Response, hasIntercept, rightSide.Terms, text) { Offset = offset };
    }

    /// <summary>
    /// Takes the one offset(...) out of the top-level sum (R's model.offset); an offset anywhere else,
    /// subtracted or twice is an error. A right-hand side of only the offset is the intercept (R's y ~ offset(log(e))).
    /// </summary>
    private static (FormulaNode RightSide, Offset? Offset) SplitOffset(FormulaNode rightSide, string text)
    {
        Offset? offset = null;
        FormulaNode result = rightSide;
        if (rightSide is SumNode sum && sum.Summands.Any(s => s.Operand is OffsetNode))
        {
            var kept = new List<Summand>();
            foreach (Summand summand in sum.Summands)
            {
                if (summand.Operand is OffsetNode node)
                {
                    if (summand.Subtract || offset is not null)
                    {
                        throw FormulaErrors.OffsetPlacement(text, node.Position);
                    }

                    offset = node.Offset;
                    continue;
                }

                kept.Add(summand);
            }

            result = kept.Count == 0 ? new InterceptNode(Present: true, sum.Position) : new SumNode(kept, sum.Position);
        }

        RejectNestedOffset(result, text);
        return (result, offset);
    }

    private static void RejectNestedOffset(FormulaNode node, string text)
    {
        if (node is OffsetNode offset)
        {
            throw FormulaErrors.OffsetPlacement(text, offset.Position);
        }

        foreach (FormulaNode child in Children(node))
        {
            RejectNestedOffset(child, text);
        }
    }

    /// <summary>
    /// Rejects the response used as a regressor, and gathers the one reference level of each
    /// C() column so that C(x) and C(x, ref="7") in one formula name the same factor.
    /// </summary>
    private static void CheckFactors(FormulaNode node, Response response, Dictionary<string, string> referenceByColumn, string text)
    {
        foreach (FormulaNode child in Children(node))
        {
            CheckFactors(child, response, referenceByColumn, text);
        }
        if (node is not FactorNode { Factor: var factor, Position: var position })
        {
            return;
        }
        if (string.Equals(factor.Column, response.Column, StringComparison.Ordinal))
        {
            throw FormulaErrors.ResponseAsRegressor(text, position, response.Column);
        }
        if (factor is CategoricalFactor { ReferenceLevel: string level })
        {
            if (referenceByColumn.TryGetValue(factor.Column, out string? earlier) && !string.Equals(earlier, level, StringComparison.Ordinal))
            {
                throw FormulaErrors.ConflictingReferenceLevels(text, position, factor.Column, earlier, level);
            }
            referenceByColumn[factor.Column] = level;
        }
    }

    private static IEnumerable<FormulaNode> Children(FormulaNode node) => node switch
    {
        SumNode sum => sum.Summands.Select(summand => summand.Operand),
        CrossNode cross => cross.Operands,
        InteractionNode interaction => interaction.Operands,
        _ => [],
    };

    private sealed class Expander(string text, Dictionary<string, string> referenceByColumn)
    {
        public TermList Evaluate(FormulaNode node) => node switch
        {
            FactorNode factor => new TermList([new Term([WithReferenceLevel(factor.Factor)])], null, -1),
            InterceptNode intercept => new TermList([], intercept.Present, intercept.Position),
            SumNode sum => EvaluateSum(sum),
            InteractionNode interaction => EvaluateInteraction(interaction),
            CrossNode cross => EvaluateCross(cross),
            _ => throw new System.Diagnostics.UnreachableException("unknown formula node " + node.GetType().Name),
        };

        private Factor WithReferenceLevel(Factor factor) =>
            factor is CategoricalFactor { ReferenceLevel: null } && referenceByColumn.TryGetValue(factor.Column, out string? level)
                ? new CategoricalFactor(factor.Column, level)
                : factor;

        private TermList EvaluateSum(SumNode sum)
        {
            var terms = new OrderedTerms();
            bool? intercept = null;
            int interceptPosition = -1;
            foreach (Summand summand in sum.Summands)
            {
                TermList operand = Evaluate(summand.Operand);
                if (summand.Subtract)
                {
                    terms.RemoveAll(operand.Terms);
                }
                else
                {
                    terms.AddAll(operand.Terms);
                    if (terms.Count > MaxTerms)
                    {
                        throw FormulaErrors.TooManyTerms(text, summand.Operand.Position, MaxTerms);
                    }
                }
                if (operand.Intercept is bool setting)
                {
                    // Removing the intercept's literal flips it: '- 1' is no intercept, '- 0' is one.
                    intercept = summand.Subtract ? !setting : setting;
                    interceptPosition = operand.InterceptPosition;
                }
            }
            return new TermList(terms.ToList(), intercept, interceptPosition);
        }

        private TermList EvaluateInteraction(InteractionNode interaction)
        {
            IReadOnlyList<Term> terms = EvaluateWithoutIntercept(interaction.Operands[0]);
            foreach (FormulaNode operand in interaction.Operands.Skip(1))
            {
                terms = Interact(terms, EvaluateWithoutIntercept(operand), interaction.Position);
            }
            return new TermList(terms, null, -1);
        }

        private TermList EvaluateCross(CrossNode cross)
        {
            // An empty operand, as in (a - a) * b, contributes nothing to any subset: dropping it
            // keeps the subset enumeration below from running 2^n times for no terms.
            IReadOnlyList<Term>[] operands = cross.Operands.Select(EvaluateWithoutIntercept).Where(terms => terms.Count > 0).ToArray();
            // Every subset of operands contributes the product of its sizes: prod(1 + size) - 1 in all.
            double bound = operands.Aggregate(1.0, (product, terms) => product * (1 + terms.Count)) - 1;
            if (bound > MaxTerms)
            {
                throw FormulaErrors.TooManyTerms(text, cross.Position, MaxTerms);
            }
            var terms = new OrderedTerms();
            for (int size = 1; size <= operands.Length; size++)
            {
                foreach (int[] subset in SubsetsOfSize(operands.Length, size))
                {
                    IReadOnlyList<Term> product = operands[subset[0]];
                    for (int i = 1; i < subset.Length; i++)
                    {
                        product = Interact(product, operands[subset[i]], cross.Position);
                    }
                    terms.AddAll(product);
                }
            }
            return new TermList(terms.ToList(), null, -1);
        }

        private IReadOnlyList<Term> EvaluateWithoutIntercept(FormulaNode operand)
        {
            TermList value = Evaluate(operand);
            if (value.Intercept is not null)
            {
                throw FormulaErrors.InterceptInInteraction(text, value.InterceptPosition);
            }
            return value.Terms;
        }

        /// <summary>Every term of <paramref name="left"/> joined with every term of <paramref name="right"/>, left outermost.</summary>
        private List<Term> Interact(IReadOnlyList<Term> left, IReadOnlyList<Term> right, int position)
        {
            if ((long)left.Count * right.Count > MaxTerms)
            {
                throw FormulaErrors.TooManyTerms(text, position, MaxTerms);
            }
            var product = new OrderedTerms();
            foreach (Term leftTerm in left)
            {
                foreach (Term rightTerm in right)
                {
                    // A factor already in the left term is not repeated: a:a is a, (a:b):(b:c) is a:b:c.
                    Factor[] joined = [.. leftTerm.Factors, .. rightTerm.Factors.Where(factor => !leftTerm.Factors.Contains(factor))];
                    product.Add(new Term(joined));
                }
            }
            return product.ToList();
        }
    }

    /// <summary>The k-element subsets of {0, ..., n-1} in lexicographic order, each ascending.</summary>
    private static IEnumerable<int[]> SubsetsOfSize(int n, int k)
    {
        int[] subset = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])subset.Clone();
            // Advance the rightmost index that can still move, then reset those after it.
            int i = k - 1;
            while (i >= 0 && subset[i] == n - k + i)
            {
                i--;
            }
            if (i < 0)
            {
                yield break;
            }
            subset[i]++;
            for (int j = i + 1; j < k; j++)
            {
                subset[j] = subset[j - 1] + 1;
            }
        }
    }

    /// <summary>A list of distinct terms in first-occurrence order.</summary>
    private sealed class OrderedTerms
    {
        private readonly List<Term> order = [];
        private readonly HashSet<Term> present = [];

        public int Count => order.Count;

        public void Add(Term term)
        {
            if (present.Add(term))
            {
                order.Add(term);
            }
        }

        public void AddAll(IEnumerable<Term> terms)
        {
            foreach (Term term in terms)
            {
                Add(term);
            }
        }

        public void RemoveAll(IEnumerable<Term> terms)
        {
            var removed = new HashSet<Term>(terms);
            present.ExceptWith(removed);
            order.RemoveAll(removed.Contains);
        }

        public List<Term> ToList() => [.. order];
    }
}
