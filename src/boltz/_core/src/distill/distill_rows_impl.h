/*
 * Template body of distill_rows.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include
 * guard. Uses the same instantiation's max / expshift of simd_kernels_impl.h.
 *
 * One row of the distillation loss (Hinton, Vinyals & Dean 2015) for teacher logits t and
 * student logits s of n classes at temperature T = 1 / inv_temp:
 *
 *     p = softmax(t / T),  q = softmax(s / T),  r = softmax(s)
 *     KL(p || q) = sum_i p_i (log p_i - log q_i)
 *                = inv_temp * sum_i p_i ((t_i - m_t) - (s_i - m_s)) - log Z_t + log Z_s
 *     CE(y, r)   = log Z_r + m_s - s_y
 *     loss = soft_weight * KL + hard_weight * CE                      (returned, double)
 *     grad = soft_grad * (q - p) + hard_grad * (r - onehot(y))        (written to grad)
 *
 * with m_t, m_s the row maxima and Z the sums of the shifted exponentials (so nothing
 * overflows). The caller folds the temperature and the reduction into the weights: with
 * soft_weight = a T^2 the soft loss is formed as
 * soft_cross * sum_i p_i ((t_i - m_t) - (s_i - m_s)) - soft_weight * (log Z_t - log Z_s)
 * with soft_cross = a T (= soft_weight * inv_temp, given rather than formed, so that a tiny
 * T never makes 0 * inf), and soft_grad = a T / rows under "batchmean", say. label < 0:
 * no hard term. Terms with p_i == 0 are left out of the KL sum (their limit p log p = 0),
 * so a student logit far below the teacher's never makes 0 * inf.
 *
 * One pass reads the row for the maxima, one computes the exponentials into the caller's
 * scratch rows ep and eq (n elements each, in L1/L2 for any usual class count), and the
 * rest works on those: the logits are read from memory once. Sums are accumulated in double.
 */
BOLTZ_TARGET static double BOLTZ_NAME(distill_row)(
    const BOLTZ_REAL *restrict t, const BOLTZ_REAL *restrict s, ptrdiff_t n, ptrdiff_t label,
    double inv_temp, double soft_cross, double soft_weight, double soft_grad,
    double hard_weight, double hard_grad, BOLTZ_REAL *restrict grad, BOLTZ_REAL *restrict ep,
    BOLTZ_REAL *restrict eq)
{
    const double mt = (double)BOLTZ_NAME(max)(t, n), ms = (double)BOLTZ_NAME(max)(s, n);
    double tie_t = 0.0, tie_s = 0.0, cross = 0.0;
    const double rest_t = BOLTZ_NAME(expshift)(t, ep, n, mt, inv_temp, &tie_t);
    const double rest_s = BOLTZ_NAME(expshift)(s, eq, n, ms, inv_temp, &tie_s);
    const double log_zt = log(tie_t) + log1p(rest_t / tie_t);
    const double log_zs = log(tie_s) + log1p(rest_s / tie_s);
#pragma omp simd reduction(+ : cross)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double d = ((double)t[i] - mt) - ((double)s[i] - ms);
        cross += ep[i] > 0 ? (double)ep[i] * d : 0.0;
    }
    const double soft =
        soft_cross * (cross / (tie_t + rest_t)) - soft_weight * (log_zt - log_zs);
    /* p and q normalised in place first, so that grad = soft_grad * (q - p) is a rounded
     * difference (not a fused multiply-add of one unrounded product): exactly 0 where the
     * student matches the teacher */
    BOLTZ_NAME(divide)(ep, n, tie_t + rest_t);
    BOLTZ_NAME(divide)(eq, n, tie_s + rest_s);
    const BOLTZ_REAL g = (BOLTZ_REAL)soft_grad;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) grad[i] = g * (eq[i] - ep[i]);
    if (label < 0) return soft;

    /* the hard term: r = softmax(s) at T = 1 (the same maximum), into ep */
    double tie_r = 0.0;
    const double rest_r = BOLTZ_NAME(expshift)(s, ep, n, ms, 1.0, &tie_r);
    const double log_zr = log(tie_r) + log1p(rest_r / tie_r);
    const BOLTZ_REAL gr = (BOLTZ_REAL)(hard_grad / (tie_r + rest_r));
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) grad[i] += gr * ep[i];
    grad[label] -= (BOLTZ_REAL)hard_grad;
    return soft + hard_weight * (log_zr + ms - (double)s[label]);
}
