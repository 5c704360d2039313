"""The series' multi-layer perceptron, written with TensorFlow 1's own API: four clusters in
XOR layout, a 2-2-2 sigmoid network with a softmax output, cross-entropy, gradient descent.

It is a TensorFlow 1 program: with ``import tensorflow as tf`` (TensorFlow 1.x) in place of the
import below, it runs as it is.
"""

import numpy as np

from engine import compat_v1 as tf

rng = np.random.RandomState(4)

# Two clusters of red points centered at (0, 0) and (1, 1), two of blue points at (0, 1) and
# (1, 0): no straight line separates red from blue.
red_points = np.concatenate((
    0.2 * rng.randn(25, 2) + np.array([[0, 0]] * 25),
    0.2 * rng.randn(25, 2) + np.array([[1, 1]] * 25),
))
blue_points = np.concatenate((
    0.2 * rng.randn(25, 2) + np.array([[0, 1]] * 25),
    0.2 * rng.randn(25, 2) + np.array([[1, 0]] * 25),
))

# The training input and classes
X = tf.placeholder(tf.float32, [None, 2], name="X")
c = tf.placeholder(tf.float32, [None, 2], name="c")

# A hidden layer
W_hidden = tf.Variable(tf.random_normal([2, 2], seed=1), name="W_hidden")
b_hidden = tf.Variable(tf.zeros([2]), name="b_hidden")
p_hidden = tf.sigmoid(tf.add(tf.matmul(X, W_hidden), b_hidden))

# The output layer
W_output = tf.Variable(tf.random_normal([2, 2], seed=2), name="W_output")
b_output = tf.Variable(tf.zeros([2]), name="b_output")
p_output = tf.nn.softmax(tf.add(tf.matmul(p_hidden, W_output), b_output))

# The cross-entropy loss, and its minimization
J = tf.negative(tf.reduce_sum(tf.reduce_sum(tf.multiply(c, tf.log(p_output)), axis=1)))
minimization_op = tf.train.GradientDescentOptimizer(learning_rate=0.03).minimize(J)

feed_dict = {
    X: np.concatenate((blue_points, red_points)),
    c: [[1, 0]] * len(blue_points) + [[0, 1]] * len(red_points),
}

with tf.Session() as session:
    session.run(tf.global_variables_initializer())
    for step in range(1000):
        J_value = session.run(J, feed_dict)
        if step % 100 == 0:
            print("Step:", step, "Loss:", J_value)
        session.run(minimization_op, feed_dict)
    J_value, p_value = session.run([J, p_output], feed_dict)
    print("Step:", 1000, "Loss:", J_value)
    right = np.mean(np.argmax(p_value, 1) == np.argmax(feed_dict[c], 1))
    print("Right:", right)
