/* loss.c — softmax cross-entropy. The log-sum-exp is shifted by the row maximum so no
 * exponential overflows, and each row's loss is formed in double so that summing a large
 * evaluation set loses nothing. */
#include "gglab/nn.h"

#include <math.h>

double nn_xent_row(float *p, const float *l, int y, int C)
{
	float mx = l[0];
	for (int j = 1; j < C; j++)
		mx = l[j] > mx ? l[j] : mx;
	float ly = y >= 0 ? l[y] : 0.0f; /* read before p overwrites l when aliased */
	double s = 0;
	for (int j = 0; j < C; j++) {
		float e = expf(l[j] - mx);
		p[j] = e;
		s += e;
	}
	float inv = (float)(1.0 / s);
	for (int j = 0; j < C; j++)
		p[j] *= inv;
	return y >= 0 ? log(s) - ((double)ly - mx) : 0.0;
}

double nn_xent_forward(float *probs, const float *logits, const uint8_t *y, int B, int C)
{
	/* probs[B][C] may alias logits[B][C]; y[B] may be NULL (probabilities only, returns 0). */
	double total = 0;
	for (int r = 0; r < B; r++)
		total += nn_xent_row(probs + (size_t)r * C, logits + (size_t)r * C, y ? y[r] : -1, C);
	return y ? total : 0.0;
}

void nn_xent_backward(float *dlogits, const float *probs, const uint8_t *y, int B, int C)
{
	nn_xent_backward_rows(dlogits, probs, y, B, C, B);
}

void nn_xent_backward_rows(float *dlogits, const float *probs, const uint8_t *y, int rows, int C,
			   int B)
{
	/* dlogits[rows][C] = (probs − onehot(y)) / B, the gradient of the *mean* loss over a
	 * batch of B; may alias probs. */
	float inv = 1.0f / (float)B;
	for (int r = 0; r < rows; r++) {
		const float *p = probs + (size_t)r * C;
		float *d = dlogits + (size_t)r * C;
		for (int j = 0; j < C; j++)
			d[j] = p[j] * inv;
		d[y[r]] -= inv;
	}
}
