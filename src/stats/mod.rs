//! Fleet statistics: quantiles, Kaplan–Meier, censored fits, model selection. Sees numbers and
//! censoring flags only.
