/**
 * @gan/acgan: the auxiliary classifier GAN (Odena, Olah and Shlens 2017, "Conditional Image
 * Synthesis with Auxiliary Classifier GANs"). Under `condition classes` the discriminator
 * takes the class through a projection head by default (Miyato and Koyama 2018); with this
 * trick it does not see the class at all and predicts it instead, from the same features its
 * last layer reads: a `dense <classes>` head beside its `dense 1`. D minimises its adversarial
 * loss plus `weight` times the cross-entropy of that head on the real batch (against the data's
 * labels) and on the fake batch (against the classes the fakes were generated for); G
 * minimises its adversarial loss plus `weight` times the cross-entropy on its fakes: it is
 * rewarded for making samples that D recognises as the class asked for.
 */
import { defineTrick, PlanEditor, z, type ClassBatch, type Scalar, type Tensor } from "@gan/core";

const NAME = "@gan/acgan";

const options = z.object({
  weight: z.number().min(0).default(1).describe("weight of the classification loss, for D and G (the paper: 1)"),
});

export default defineTrick({
  name: NAME,
  description: "AC-GAN: D predicts the class with an auxiliary classifier instead of a projection; a classification loss for D (real and fake) and G (fake).",
  options,
  rewrite(plan) {
    const condition = plan.condition;
    if (condition === undefined) {
      throw new Error("an auxiliary classifier needs classes: add 'condition classes' to the spec (and labels to the data, e.g. data mnist { classes: \"labels\" })");
    }
    const editor = new PlanEditor(plan, NAME);
    editor.note(`class head: an auxiliary classifier (dense ${condition.classes} on the features of the last layer) instead of the projection; D does not see the class`, "discriminator");
    const { plan: edited, rewrites } = editor.result();
    return { plan: { ...edited, condition: { ...condition, discriminator: "auxiliary" } }, rewrites };
  },
  setup({ options, at, tf, log }) {
    /** The mean cross-entropy of class logits [n, classes] against classes [n]. */
    const crossEntropy = (logits: Tensor, classes: Tensor, count: number): Scalar =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(classes, "int32"), count), logits) as Scalar;
    /** The class logits of an auxiliary head, or the fault named: the plan has no such head (a plan edited by hand). */
    const logitsOf = (logits: Tensor | undefined, which: string): Tensor => {
      if (logits === undefined) throw new Error(`the discriminator gave no class logits for the ${which} batch: the plan's condition must say discriminator "auxiliary" (compile the spec again)`);
      return logits;
    };
    const classesOf = (classes: ClassBatch | undefined): ClassBatch => {
      if (classes === undefined) throw new Error("the run has no classes: add 'condition classes' to the spec");
      return classes;
    };
    return {
      discriminatorLoss(loss, context) {
        const classes = classesOf(context.classes);
        const real = crossEntropy(logitsOf(classes.realClassLogits, "real"), classes.real!, classes.count);
        const fake = crossEntropy(logitsOf(classes.fakeClassLogits, "fake"), classes.fake, classes.count);
        log("acgan/d_class_loss_real", real);
        log("acgan/d_class_loss_fake", fake);
        return tf.add(loss, tf.mul(at(options.weight), tf.add(real, fake))) as Scalar;
      },
      generatorLoss(loss, context) {
        const classes = classesOf(context.classes);
        const fake = crossEntropy(logitsOf(classes.fakeClassLogits, "fake"), classes.fake, classes.count);
        log("acgan/g_class_loss", fake);
        return tf.add(loss, tf.mul(at(options.weight), fake)) as Scalar;
      },
    };
  },
});
