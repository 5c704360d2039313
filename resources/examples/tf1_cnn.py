"""A small convolutional network on the 8 × 8 handwritten digits, written with TensorFlow 1's
own API: a 3 × 3 convolution with 8 filters, ReLU, 2 × 2 max-pooling, a dense layer to the ten
classes, softmax cross-entropy, Adam on mini-batches of 32.

It is a TensorFlow 1 program: with ``import tensorflow as tf`` (TensorFlow 1.x) in place of the
engine's import below, it runs as it is.
"""

from pathlib import Path

import numpy as np

from engine import compat_v1 as tf

# The digits (1,797 images of 8 × 8 pixels, 0–16; scikit-learn's copy of the UCI set)
data = np.load(Path(__file__).resolve().parents[1] / "datasets" / "digits.npz")
images = data["features"].reshape(-1, 8, 8, 1) / 16.0
labels = np.eye(10)[data["labels"]]
rng = np.random.RandomState(0)
order = rng.permutation(len(images))
train, test = order[:1500], order[1500:]

X = tf.placeholder(tf.float32, [None, 8, 8, 1], name="X")
y = tf.placeholder(tf.float32, [None, 10], name="y")

# convolution → ReLU → max-pooling
W_conv = tf.Variable(tf.random_normal([3, 3, 1, 8], stddev=0.3, seed=1), name="W_conv")
b_conv = tf.Variable(tf.zeros([8]), name="b_conv")
h_conv = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(X, W_conv, strides=[1, 1, 1, 1],
                                                padding="SAME"), b_conv))
h_pool = tf.nn.max_pool(h_conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

# the dense layer to the classes
W_out = tf.Variable(tf.random_normal([4 * 4 * 8, 10], stddev=0.1, seed=2), name="W_out")
b_out = tf.Variable(tf.zeros([10]), name="b_out")
logits = tf.matmul(tf.reshape(h_pool, [-1, 4 * 4 * 8]), W_out) + b_out

loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as session:
    session.run(tf.global_variables_initializer())
    for epoch in range(5):
        shuffled = rng.permutation(train)
        for start in range(0, len(shuffled), 32):
            batch = shuffled[start:start + 32]
            session.run(train_op, {X: images[batch], y: labels[batch]})
        loss_value, accuracy_value = session.run([loss, accuracy],
                                                 {X: images[train], y: labels[train]})
        print("Epoch:", epoch, "Loss:", loss_value, "Accuracy:", accuracy_value)
    print("Test accuracy:", session.run(accuracy, {X: images[test], y: labels[test]}))
