#include <gtest/gtest.h>

#include <cmath>

#include "minerisk/kernels/logistic_regression.hpp"
#include "minerisk/kernels/metrics.hpp"

using namespace minerisk::kernels;

TEST(Metrics, RocAucAndAveragePrecisionByHand) {
  // Scores 0.9(+) 0.8(-) 0.7(+) 0.6(-) 0.5(-): pairs (+ above -): 0.9 beats 3, 0.7 beats 2 -> 5 of 6.
  const ScoredCell cells[] = {{0.9, 1}, {0.8, 0}, {0.7, 1}, {0.6, 0}, {0.5, 0}};
  const double areas[] = {0.2, 0.4};
  const RankingMetrics m = ranking_metrics(cells, areas);
  EXPECT_NEAR(m.roc_auc, 5.0 / 6.0, 1e-12);
  // AP: recall 0.5 at precision 1, recall 1 at precision 2/3.
  EXPECT_NEAR(m.average_precision, 0.5 * 1.0 + 0.5 * 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.captured[0], 0.5, 1e-12);  // top 20 % = 1 cell: one of two items
  EXPECT_NEAR(m.captured[1], 0.5, 1e-12);
  // False alarms above each item: none above 0.9, one above 0.7.
  EXPECT_NEAR(m.mean_false_alarms_above, 0.5, 1e-12);
}

TEST(Metrics, TiesCountHalfAndShareTheCapture) {
  const ScoredCell cells[] = {{0.5, 2}, {0.5, 0}, {0.1, 0}, {0.1, 1}};
  const double areas[] = {0.25};
  const RankingMetrics m = ranking_metrics(cells, areas);
  // Pairs: (0.5+, 0.5-) half, (0.5+, 0.1-) 1, (0.1+, 0.5-) 0, (0.1+, 0.1-) half -> 2 of 4.
  EXPECT_NEAR(m.roc_auc, 0.5, 1e-12);
  EXPECT_NEAR(m.captured[0], (2.0 / 2.0) / 3.0, 1e-12);  // half of the tied top block's 2 items, of 3
  // False alarms count negatives strictly above an item, a tie none ("ranked above" it): the two
  // items at 0.5 have none above them, the one at 0.1 has the negative at 0.5. Per item: 1 of 3.
  EXPECT_NEAR(m.mean_false_alarms_above, 1.0 / 3.0, 1e-12);
  EXPECT_THROW(ranking_metrics(std::vector<ScoredCell>{{0.1, 1}}, areas), std::invalid_argument);
}

TEST(LogisticRegression, RecoversKnownCoefficients) {
  // A large sample from p = logistic(-1 + 2 x): the unpenalised fit returns about (-1, 2).
  const int n = 20000;
  Eigen::MatrixXd X(n, 1);
  Eigen::VectorXd y(n);
  uint64_t state = 12345;
  for (int i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double x = -3.0 + 6.0 * static_cast<double>(i) / n;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    X(i, 0) = x;
    y(i) = u < 1.0 / (1.0 + std::exp(-(-1.0 + 2.0 * x))) ? 1 : 0;
  }
  const LogisticFit fit = fit_logistic_l2(X, y, 0.0);
  EXPECT_NEAR(fit.coefficients(0), -1.0, 0.1);
  EXPECT_NEAR(fit.coefficients(1), 2.0, 0.1);
  EXPECT_GT(fit.standard_errors(1), 0.0);
  // The gradient vanishes at the optimum.
  const Eigen::VectorXd p = ((X.col(0) * fit.coefficients(1)).array() + fit.coefficients(0)).unaryExpr(
      [](double e) { return 1.0 / (1.0 + std::exp(-e)); });
  EXPECT_NEAR((p - y).sum(), 0.0, 1e-6);
}

TEST(LogisticRegression, SingularDesignIsReported) {
  Eigen::MatrixXd X(4, 2);
  X << 1, 1, 2, 2, 3, 3, 4, 4;  // two identical columns
  Eigen::VectorXd y(4);
  y << 0, 1, 0, 1;
  EXPECT_THROW(fit_logistic_l2(X, y, 0.0), std::domain_error);
  EXPECT_NO_THROW(fit_logistic_l2(X, y, 1.0));  // the penalty makes it solvable
}

TEST(WeightsOfEvidence, HandComputation) {
  // 30 deposits, 20 of them on the layer; 970 barren cells, 80 of them on the layer.
  const WeightsOfEvidence w = weights_of_evidence(20, 80, 10, 890);
  EXPECT_NEAR(w.w_plus, std::log((20.0 / 30) / (80.0 / 970)), 1e-12);
  EXPECT_NEAR(w.w_minus, std::log((10.0 / 30) / (890.0 / 970)), 1e-12);
  EXPECT_NEAR(w.contrast, w.w_plus - w.w_minus, 1e-12);
  EXPECT_NEAR(w.contrast_sd, std::sqrt(1 / 20.0 + 1 / 80.0 + 1 / 10.0 + 1 / 890.0), 1e-12);
  EXPECT_NEAR(w.studentised, w.contrast / w.contrast_sd, 1e-12);
  EXPECT_THROW(weights_of_evidence(0, 1, 1, 1), std::domain_error);
}
