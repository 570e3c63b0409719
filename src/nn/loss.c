/* loss.c — softmax cross-entropy. The log-sum-exp is shifted by the row maximum so no
 * exponential overflows, and each row's loss is formed in double so that summing a large
 * evaluation set loses nothing. */
#include "gglab/nn.h"

#include <math.h>

double nn_xent_forward(float *probs, const float *logits, const uint8_t *y, int B, int C)
{
	/* probs[B][C] may alias logits[B][C]; y[B] may be NULL (probabilities only, returns 0). */
	double total = 0;
	for (int r = 0; r < B; r++) {
		const float *l = logits + (size_t)r * C;
		float *p = probs + (size_t)r * C;
		float mx = l[0];
		for (int j = 1; j < C; j++)
			mx = l[j] > mx ? l[j] : mx;
		float ly = y ? l[y[r]] : 0.0f; /* read before p overwrites l when aliased */
		double s = 0;
		for (int j = 0; j < C; j++) {
			float e = expf(l[j] - mx);
			p[j] = e;
			s += e;
		}
		float inv = (float)(1.0 / s);
		for (int j = 0; j < C; j++)
			p[j] *= inv;
		if (y)
			total += log(s) - ((double)ly - mx);
	}
	return total;
}

void nn_xent_backward(float *dlogits, const float *probs, const uint8_t *y, int B, int C)
{
	/* dlogits[B][C] = (probs − onehot(y)) / B, the gradient of the *mean* loss; may alias
	 * probs. */
	float inv = 1.0f / (float)B;
	for (int r = 0; r < B; r++) {
		const float *p = probs + (size_t)r * C;
		float *d = dlogits + (size_t)r * C;
		for (int j = 0; j < C; j++)
			d[j] = p[j] * inv;
		d[y[r]] -= inv;
	}
}
